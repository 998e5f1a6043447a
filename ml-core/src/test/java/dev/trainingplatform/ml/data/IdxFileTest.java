package dev.trainingplatform.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

    @TempDir
    Path dir;

    @Test
    void readsGzippedAndPlainFilesAlike() throws Exception {
        byte[] data = {1, 2, 3, 4, 5, 6};
        Path gz = Files.write(dir.resolve("a.gz"), FashionMnistFiles.idx(0x803, new int[] {1, 2, 3}, data, true));
        Path plain = Files.write(dir.resolve("a"), FashionMnistFiles.idx(0x803, new int[] {1, 2, 3}, data, false));
        for (Path p : new Path[] {gz, plain}) {
            IdxFile f = IdxFile.read(p);
            assertThat(f.dims()).containsExactly(1, 2, 3);
            assertThat(f.data()).containsExactly(data);
        }
    }

    @Test
    void truncatedFileIsReportedAsCorrupt() throws Exception {
        byte[] whole = FashionMnistFiles.idx(0x803, new int[] {2, 28, 28}, new byte[2 * 784], false);
        Path p = Files.write(dir.resolve("short"), Arrays.copyOf(whole, whole.length - 100));
        assertThatThrownBy(() -> IdxFile.read(p))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT))
                .hasMessageContaining("truncated");
    }

    @Test
    void truncatedGzipIsReportedAsCorrupt() throws Exception {
        byte[] whole = FashionMnistFiles.idx(0x803, new int[] {20, 28, 28}, new byte[20 * 784], true);
        Path p = Files.write(dir.resolve("short.gz"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> IdxFile.read(p))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT));
    }

    @Test
    void wrongMagicIsReportedAsCorrupt() throws Exception {
        Path p = Files.write(dir.resolve("text"), "hello, this is not IDX".getBytes());
        assertThatThrownBy(() -> IdxFile.read(p)).hasMessageContaining("not an unsigned-byte IDX file");
    }

    @Test
    void missingFileIsReportedAsNotFound() {
        assertThatThrownBy(() -> IdxFile.read(dir.resolve("nope")))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_NOT_FOUND));
    }
}
