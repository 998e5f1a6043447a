package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.checkpoint.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a data set's files: in a local directory under one of the allowed roots, or downloaded from
 * an http(s) base URL into the cache, where a file is used only once its SHA-256 matches.
 */
public final class DataFiles {

    private static final Logger LOG = LoggerFactory.getLogger(DataFiles.class);

    private final DataSources sources;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(20))
            .followRedirects(HttpClient.Redirect.NEVER) // redirects are checked one by one (fetch)
            .build();

    /** The files and directories resolved on this thread since {@link #recordUsed} (null: not recording). */
    private final ThreadLocal<java.util.Set<Path>> used = new ThreadLocal<>();

    public DataFiles(DataSources sources) {
        this.sources = sources;
    }

    /**
     * Runs {@code load} and returns, beside its result, every local file and directory it resolved
     * through this object (downloads: their cached copy), so that a caller keeping the result can
     * tell when the data changed on disk.
     */
    public <T> Recorded<T> recordUsed(java.util.function.Supplier<T> load) {
        java.util.Set<Path> paths = new java.util.LinkedHashSet<>();
        used.set(paths);
        try {
            return new Recorded<>(load.get(), java.util.Set.copyOf(paths));
        } finally {
            used.remove();
        }
    }

    public record Recorded<T>(T value, java.util.Set<Path> paths) {}

    private Path used(Path p) {
        java.util.Set<Path> paths = used.get();
        if (paths != null) {
            paths.add(p);
        }
        return p;
    }

    /**
     * An expected digest. {@code ofContent}: the digest is of the gunzipped content, so that the same
     * data re-compressed (as Debian's package is) still matches.
     */
    public record Checksum(String sha256, boolean ofContent) {}

    /** The location a job asks for, or the configured default for the data set. */
    public String locationFor(String dataset, String requested) {
        if (requested != null && !requested.isBlank()) {
            return requested.trim();
        }
        String configured = sources.defaultLocations().get(dataset);
        if (configured == null || configured.isBlank()) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "no location given for data set '" + dataset
                    + "' and none is configured on the service");
        }
        return configured;
    }

    /** A data set published as one file (an archive): the location names the file itself. */
    public Path archive(String location, Checksum checksum) {
        URI uri = parse(location);
        String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("http") || scheme.equals("https")) {
            String s = uri.toString();
            int slash = s.lastIndexOf('/');
            return used(download(URI.create(s.substring(0, slash + 1)), s.substring(slash + 1), checksum));
        }
        if (!scheme.equals("file")) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "data location '" + location
                    + "' has scheme '" + scheme + "'; allowed: a local path, file:, http:, https:");
        }
        Path file = uri.getScheme() == null ? Path.of(location) : Path.of(uri);
        return used(localFile(file.toAbsolutePath().normalize().getParent(), file.getFileName().toString()));
    }

    /** A local directory named by a location, once it is known to lie under an allowed root. */
    public Path directory(String location) {
        URI uri = parse(location);
        if (uri.getScheme() != null && !uri.getScheme().equalsIgnoreCase("file")) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "data location '" + location + "' must be a local directory");
        }
        Path dir = (uri.getScheme() == null ? Path.of(location) : Path.of(uri)).toAbsolutePath().normalize();
        Path root = allowedRootOf(dir);
        if (!Files.isDirectory(dir)) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "data directory not found: " + dir);
        }
        try {
            if (!dir.toRealPath().startsWith(root.toRealPath())) {
                throw outside(dir);
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "cannot read " + dir + ": " + e.getMessage());
        }
        return used(dir);
    }

    /** Whether a location names a single archive file rather than a directory of files. */
    public static boolean isArchive(String location) {
        String l = location.toLowerCase(Locale.ROOT);
        return l.endsWith(".tar") || l.endsWith(".tar.gz") || l.endsWith(".tgz");
    }

    /**
     * One file of a data set: {@code location/name}, trying each candidate name in turn (for example
     * with and without .gz).
     */
    public Path file(String location, Checksum checksum, String... candidates) {
        URI uri = parse(location);
        String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "file":
                return used(localFile(uri.getScheme() == null ? Path.of(location) : Path.of(uri), candidates));
            case "http":
            case "https":
                return used(download(uri, candidates[0], checksum));
            default:
                throw new JobRejectedException(ErrorCode.INVALID_JOB, "data location '" + location
                        + "' has scheme '" + scheme + "'; allowed: a local path, file:, http:, https:");
        }
    }

    private Path localFile(Path dir, String... candidates) {
        Path root = allowedRootOf(dir);
        for (String name : candidates) {
            Path f = dir.resolve(name).toAbsolutePath().normalize();
            if (Files.isRegularFile(f)) {
                try {
                    // Symbolic links must not lead out of the allowed root either.
                    if (!f.toRealPath().startsWith(root.toRealPath())) {
                        throw outside(f);
                    }
                } catch (IOException e) {
                    throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "cannot read " + f + ": " + e.getMessage());
                }
                return f;
            }
        }
        throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "none of " + String.join(", ", candidates)
                + " found in " + dir);
    }

    private Path allowedRootOf(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        for (Path root : sources.allowedRoots()) {
            if (abs.startsWith(root)) {
                return root;
            }
        }
        throw outside(abs);
    }

    private JobRejectedException outside(Path p) {
        return new JobRejectedException(ErrorCode.INVALID_JOB, "data location " + p
                + " is outside the directories this service may read (" + sources.allowedRoots() + ")");
    }

    /**
     * Most bytes a loader reads from one file, after decompression: the largest single file of the
     * five data sets is 47 MB (Fashion-MNIST's training images) and CIFAR-10's batches 30 MB each.
     */
    public static final long MAX_FILE_BYTES = 256L << 20;

    /** Refuses, with LIMIT_EXCEEDED, a plain file larger than MAX_FILE_BYTES before anything of it is read. */
    public static void refuseIfTooLarge(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "cannot read " + file + ": " + describe(e));
        }
        if (size > MAX_FILE_BYTES) {
            throw tooLargeFile(file.toString());
        }
    }

    private static JobRejectedException tooLargeFile(String what) {
        return new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, what + " holds more than " + (MAX_FILE_BYTES >> 20)
                + " MiB (after decompression), the most this service reads from one file");
    }

    /** The file's bytes, gunzipped if it is gzip, or LIMIT_EXCEEDED once more than MAX_FILE_BYTES come out. */
    public static byte[] readAllBounded(Path file) {
        try (InputStream in = openMaybeGzipped(file)) {
            return readAtMost(in, file.toString());
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "cannot read " + file + ": " + describe(e));
        }
    }

    /** All of {@code in}, refused with LIMIT_EXCEEDED as soon as it passes MAX_FILE_BYTES (never buffered past it). */
    public static byte[] readAtMost(InputStream in, String what) throws IOException {
        byte[] bytes = in.readNBytes((int) MAX_FILE_BYTES);
        if (bytes.length == MAX_FILE_BYTES && in.read() != -1) {
            throw tooLargeFile(what);
        }
        return bytes;
    }

    /** A stream of the file's content, gunzipped when it starts with gzip's magic. */
    static InputStream openMaybeGzipped(Path file) throws IOException {
        InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file));
        try {
            return maybeGunzip(raw);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    /** An I/O failure in words, never a bare null. */
    static String describe(IOException e) {
        if (e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException) {
            return "not a valid gzip stream, or one that ends early (" + e.getClass().getSimpleName() + ")";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Largest file a download may write: the largest canonical file (CIFAR-10's archive) is 163 MiB. */
    static final long MAX_DOWNLOAD_BYTES = 1L << 30;
    private static final int MAX_REDIRECTS = 5;

    private Path download(URI base, String name, Checksum checksum) {
        String b = base.toString();
        URI url = URI.create(b.endsWith("/") ? b + name : b + "/" + name);
        sources.downloads().check(url);
        Path dir = sources.cacheDirectory().resolve(Sha256.of(b.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16));
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target) && matches(target, checksum)) {
            return target;
        }
        try {
            Files.createDirectories(dir);
            Path part = Files.createTempFile(dir, name, ".part");
            try {
                fetch(url, part);
                if (!matches(part, checksum)) {
                    throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "download of " + url
                            + " does not match its SHA-256 " + checksum.sha256());
                }
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } finally {
                Files.deleteIfExists(part);
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "download of " + url + " failed: " + cause(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "download of " + url + " interrupted");
        }
    }

    /**
     * Fetches {@code url} into {@code part}, following redirects only on the same host and within the
     * download policy, and writing at most {@link #MAX_DOWNLOAD_BYTES}.
     */
    private void fetch(URI url, Path part) throws IOException, InterruptedException {
        URI current = url;
        for (int hop = 0; ; hop++) {
            LOG.info("Downloading {}", current);
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(current).timeout(Duration.ofMinutes(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                if (status >= 300 && status < 400 && response.headers().firstValue("location").isPresent()) {
                    URI next = current.resolve(response.headers().firstValue("location").get());
                    if (hop >= MAX_REDIRECTS) {
                        throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "download of " + url + " failed: more than "
                                + MAX_REDIRECTS + " redirects");
                    }
                    if (next.getHost() == null || !next.getHost().equalsIgnoreCase(url.getHost())) {
                        throw new JobRejectedException(ErrorCode.INVALID_JOB, "download of " + url
                                + " refused: it redirects to another host (" + next.getHost() + ")");
                    }
                    sources.downloads().check(next);
                    current = next;
                    continue;
                }
                if (status != 200) {
                    throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "download of " + current + " failed: HTTP " + status);
                }
                long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
                if (declared > MAX_DOWNLOAD_BYTES) {
                    throw tooLarge(current);
                }
                copyAtMost(body, part, current);
                return;
            }
        }
    }

    private static void copyAtMost(InputStream in, Path part, URI url) throws IOException {
        try (var out = Files.newOutputStream(part)) {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > MAX_DOWNLOAD_BYTES) {
                    throw tooLarge(url);
                }
                out.write(buffer, 0, n);
            }
        }
    }

    private static JobRejectedException tooLarge(URI url) {
        return new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, "download of " + url + " is larger than "
                + (MAX_DOWNLOAD_BYTES >> 20) + " MiB, the most this service downloads");
    }

    /** What went wrong with a download, in words: never a bare null. */
    static String cause(IOException e) {
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host" + (e.getMessage() == null ? "" : " '" + e.getMessage() + "'");
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "timed out connecting";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out waiting for the answer";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused or unreachable (no network, or nothing listening there)";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS failed: " + e.getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    static boolean matches(Path file, Checksum checksum) {
        if (checksum == null) {
            return true;
        }
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = checksum.ofContent() ? maybeGunzip(raw) : raw) {
            return Sha256.of(in).equalsIgnoreCase(checksum.sha256());
        } catch (IOException e) {
            return false;
        }
    }

    private static InputStream maybeGunzip(InputStream raw) throws IOException {
        java.io.BufferedInputStream in = new java.io.BufferedInputStream(raw);
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new GZIPInputStream(in) : in;
    }

    private static URI parse(String location) {
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            // A plain local path with characters URIs do not allow.
            return Path.of(location).toUri();
        }
    }
}
