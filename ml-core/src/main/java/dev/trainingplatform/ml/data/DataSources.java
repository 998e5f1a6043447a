package dev.trainingplatform.ml.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where data may come from, as configured on a service.
 *
 * @param defaultLocations data set name to the location used when a job gives none
 * @param allowedRoots     local directories a job may read data from; anything else is refused
 * @param cacheDirectory   where downloaded files are kept (and checked against their SHA-256)
 * @param downloads        which http(s) locations may be fetched
 */
public record DataSources(Map<String, String> defaultLocations, List<Path> allowedRoots, Path cacheDirectory,
                          DownloadPolicy downloads) {

    public DataSources {
        allowedRoots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        cacheDirectory = cacheDirectory.toAbsolutePath().normalize();
    }

    /** Downloads from the canonical hosts only, over https, when {@code downloadsEnabled}. */
    public DataSources(Map<String, String> defaultLocations, List<Path> allowedRoots, Path cacheDirectory,
                       boolean downloadsEnabled) {
        this(defaultLocations, allowedRoots, cacheDirectory, DownloadPolicy.canonical(downloadsEnabled));
    }
}
