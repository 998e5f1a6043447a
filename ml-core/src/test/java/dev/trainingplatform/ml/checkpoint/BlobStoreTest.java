package dev.trainingplatform.ml.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one scheme for blobs too large to travel inline: written by digest, read back only when safe and intact. */
class BlobStoreTest {

    @TempDir
    Path root;

    private final byte[] bytes = "parameters".getBytes(StandardCharsets.UTF_8);

    private BlobStore store() {
        return new BlobStore("test directory", root.resolve("blobs"), ".bin", List.of());
    }

    @Test
    void aBlobIsNamedByItsDigestAndReadBackWhenTheDigestMatches() {
        Path file = store().write(bytes);
        assertThat(file.getFileName().toString()).isEqualTo(Sha256.of(bytes) + ".bin");
        assertThat(store().write(bytes)).isEqualTo(file); // a rewrite is harmless
        try (var left = Files.list(file.getParent())) {
            assertThat(left).containsExactly(file); // no temporary file left behind
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(store().read(file.toUri().toString(), Sha256.of(bytes), 100)).isEqualTo(bytes);
    }

    @Test
    void aChangedBlobIsRefused() throws Exception {
        Path file = store().write(bytes);
        String sha = Sha256.of(bytes);
        Files.write(file, "tampered!!".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store().read(file.toUri().toString(), sha, 100))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKPOINT_INVALID))
                .hasMessageContaining("SHA-256 does not match");
    }

    @Test
    void onlyFilesDirectlyInTheStoresDirectoriesAreRead() throws Exception {
        Path outside = Files.write(root.resolve("secret.bin"), bytes);
        String sha = Sha256.of(bytes);
        for (String uri : List.of(outside.toUri().toString(), root.resolve("blobs/../secret.bin").toUri().toString(),
                "http://127.0.0.1/x.bin", "/etc/passwd")) {
            assertThatThrownBy(() -> store().read(uri, sha, 100)).as(uri)
                    .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKPOINT_INVALID));
        }
        Path link = Files.createDirectories(root.resolve("blobs")).resolve(sha + ".bin");
        Files.createSymbolicLink(link, outside);
        assertThatThrownBy(() -> store().read(link.toUri().toString(), sha, 100)).hasMessageContaining("outside the test directory");
        Path nested = Files.write(Files.createDirectories(root.resolve("blobs/sub")).resolve("x.bin"), bytes);
        assertThatThrownBy(() -> store().read(nested.toUri().toString(), sha, 100)).hasMessageContaining("outside");
    }

    @Test
    void aBlobLargerThanTheBoundIsNotRead() {
        Path file = store().write(bytes);
        assertThatThrownBy(() -> store().read(file.toUri().toString(), Sha256.of(bytes), bytes.length - 1))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED));
    }
}
