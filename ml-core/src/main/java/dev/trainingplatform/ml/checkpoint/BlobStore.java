package dev.trainingplatform.ml.checkpoint;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Bytes too large to travel inline in a record (checkpoint parameters, resume points), kept as files
 * named by their SHA-256 in a directory shared by the services. One scheme for every writer and
 * reader: written to a temporary file and moved into place atomically (so a reader never sees half a
 * file, and a rewrite of the same bytes is harmless); read only from one of the store's directories,
 * never past a size bound, and only if the digest matches.
 */
public final class BlobStore {

    private final String name;
    private final Path directory;
    private final String suffix;
    private final List<Path> readable;

    /**
     * @param name      what the directories are called in messages, e.g. "resume directory"
     * @param directory where this store writes (and reads)
     * @param suffix    the file name after the digest, e.g. ".params"
     * @param alsoReadable other directories a blob may be read from (a reader of another service's store)
     */
    public BlobStore(String name, Path directory, String suffix, List<Path> alsoReadable) {
        this.name = name;
        this.directory = directory.toAbsolutePath().normalize();
        this.suffix = suffix;
        this.readable = java.util.stream.Stream.concat(java.util.stream.Stream.of(this.directory),
                alsoReadable.stream().map(p -> p.toAbsolutePath().normalize())).distinct().toList();
    }

    public Path directory() {
        return directory;
    }

    /** Writes {@code bytes} as the file named by their digest and returns it. */
    public Path write(byte[] bytes) {
        String sha = Sha256.of(bytes);
        try {
            Files.createDirectories(directory);
            Path file = directory.resolve(sha + suffix);
            Path tmp = Files.createTempFile(directory, sha, ".part");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + sha + suffix + " in " + directory, e);
        }
    }

    /**
     * The bytes of the blob a record names by {@code uri}, checked: the file must lie directly in one
     * of the store's directories once links are resolved, be at most {@code maxBytes} long (checked
     * before it is read), and have the SHA-256 {@code expectedSha256}.
     *
     * @throws JobRejectedException CHECKPOINT_INVALID (LIMIT_EXCEEDED for the size) naming what is wrong
     */
    public byte[] read(String uri, String expectedSha256, long maxBytes) {
        Path file = fileOf(uri);
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, file + " has " + size + " bytes, more than the "
                        + maxBytes + " this service reads for one blob");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw invalid("its file cannot be read (" + e + ")");
        }
        return verified(bytes, expectedSha256, file.toString());
    }

    /** {@code bytes} if their SHA-256 is {@code expectedSha256}; inline blobs are checked the same way. */
    public static byte[] verified(byte[] bytes, String expectedSha256, String what) {
        String actual = Sha256.of(bytes);
        if (!actual.equalsIgnoreCase(expectedSha256)) {
            throw invalid(what + ": its SHA-256 does not match (" + actual + ", the record says " + expectedSha256
                    + "); refusing to use it");
        }
        return bytes;
    }

    /** The file a record's URI names, if it lies directly in one of the store's directories. */
    public Path fileOf(String uri) {
        Path file;
        try {
            URI u = URI.create(uri);
            if (!"file".equals(u.getScheme())) {
                throw new IllegalArgumentException("only file: URIs are supported");
            }
            file = Path.of(u).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw invalid("bad URI '" + uri + "': " + e.getMessage());
        }
        Path real;
        try {
            real = Files.exists(file) ? file.toRealPath() : file;
        } catch (IOException e) {
            throw invalid("cannot resolve " + file + ": " + e);
        }
        for (Path dir : readable) {
            Path realDir;
            try {
                realDir = Files.exists(dir) ? dir.toRealPath() : dir;
            } catch (IOException e) {
                continue;
            }
            if (dir.equals(file.getParent()) && realDir.equals(real.getParent())) {
                return file;
            }
        }
        throw invalid(file + " is outside the " + name + " " + readable);
    }

    /** Deletes a blob this store wrote; a failure is not an error (the file is garbage either way). */
    public boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            return false;
        }
    }

    private static JobRejectedException invalid(String why) {
        return new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, why);
    }
}
