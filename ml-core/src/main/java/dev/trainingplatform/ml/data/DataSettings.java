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

    /** Data set name to the location used when a job gives none. */
    Map<String, String> locations();

    default DataSources toSources() {
        return new DataSources(locations(), allowedRoots().stream().map(Path::of).toList(), Path.of(cacheDirectory()),
                downloadsEnabled());
    }
}
