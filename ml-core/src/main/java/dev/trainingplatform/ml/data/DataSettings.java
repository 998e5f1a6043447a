package dev.trainingplatform.ml.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a service may read data from, as its configuration states it. Both services' Quarkus config
 * mappings extend this, so the setting names and their meaning are the same in each.
 */
public interface DataSettings {

    /** Local directories jobs may read data from. */
    List<String> allowedRoots();

    /** Where downloaded files are cached. */
    String cacheDirectory();

    /** Whether http(s) locations may be fetched. */
    boolean downloadsEnabled();

    /** Host names downloads may go to; the data sets' canonical hosts unless set. */
    java.util.Optional<List<String>> downloadHosts();

    /** Whether plain http: downloads are allowed besides https:. */
    boolean downloadPlainHttp();

    /**
     * Whether a download host may resolve to a loopback, private or link-local address (a mirror
     * inside the cluster); off, so that a job cannot make the service fetch its neighbours' pages.
     */
    boolean downloadPrivateAddresses();

    /** Data set name to the location used when a job gives none. */
    Map<String, String> locations();

    default DataSources toSources() {
        DownloadPolicy downloads = new DownloadPolicy(downloadsEnabled(),
                java.util.Set.copyOf(downloadHosts().orElse(DownloadPolicy.CANONICAL_HOSTS)), downloadPlainHttp(),
                downloadPrivateAddresses());
        return new DataSources(locations(), allowedRoots().stream().map(Path::of).toList(), Path.of(cacheDirectory()),
                downloads);
    }
}
