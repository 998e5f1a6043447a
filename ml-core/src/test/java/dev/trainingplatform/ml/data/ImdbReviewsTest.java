package dev.trainingplatform.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.testdata.Cifar10Files;
import dev.trainingplatform.ml.testdata.ImdbFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImdbReviewsTest {

    @TempDir
    Path dir;

    private LoadedDataset load(String location, Map<String, String> options) {
        return new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false))
                .load(DatasetSpec.newBuilder().setName("imdb").setLocation(location).setOptions(options).build());
    }

    @Test
    void kerasTextNormalisationKeepsApostrophesAndDropsPunctuation() {
        assertThat(ImdbReviews.words("It's GREAT!<br /><br />A must-see... 10/10"))
                .containsExactly("it's", "great", "br", "br", "a", "must", "see", "10", "10");
    }

    @Test
    void sequencesStartWithOneShiftRanksByThreeAndMapRareOrUnknownWordsToTwo() {
        Map<String, Integer> index = Map.of("the", 1, "movie", 2, "rare", 50);
        // vocabulary 10: "rare" (50 + 3) is out, "unheard" is unknown; left padded to 8.
        assertThat(ImdbReviews.sequence("The movie, the RARE unheard", index, 10, 8))
                .containsExactly(0, 0, 1, 4, 5, 4, 2, 2);
        // Longer than maxLength: the last tokens are kept (the start token goes first).
        assertThat(ImdbReviews.sequence("the the the movie", index, 10, 3)).containsExactly(4, 4, 5);
    }

    @Test
    void rawTextDirectoryAndItsTarGzGiveTheSameSequences() throws Exception {
        Path data = ImdbFiles.write(dir.resolve("imdb"), 6);
        LoadedDataset fromDir = load(data.toString(), Map.of("maxLength", "50"));
        Path archive = Cifar10Files.tar(data.resolve("aclImdb").getParent(), dir.resolve("imdb/aclImdb_v1.tar.gz"));
        LoadedDataset fromTar = load(archive.toString(), Map.of("maxLength", "50"));
        assertThat(fromDir.train().size()).isEqualTo(12);
        assertThat(fromDir.test().size()).isEqualTo(12);
        assertThat(fromDir.train().sampleShape().getShape()).containsExactly(50);
        assertThat(fromTar.train().features()).containsExactly(fromDir.train().features());
        assertThat(fromTar.test().labels()).containsExactly(fromDir.test().labels());
        assertThat(fromDir.classNames()).containsExactly("negative", "positive");
        assertThat(fromDir.testSampleText().apply(0)).startsWith("[START] ").doesNotContain("null");
    }

    @Test
    void pickledNpzIsRejectedWithoutBeingUnpickled() throws Exception {
        Path npz = dir.resolve("imdb.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            zip.putNextEntry(new ZipEntry("x_train.npy"));
            byte[] header = "\u0093NUMPY\u0001\u0000v\u0000{'descr': '|O', 'fortran_order': False, 'shape': (25000,), }"
                    .getBytes(StandardCharsets.ISO_8859_1);
            zip.write(header);
            zip.write("cbuiltins\neval\n(S'print(1)'\ntR.".getBytes(StandardCharsets.ISO_8859_1));
            zip.closeEntry();
        }
        Files.writeString(dir.resolve("imdb_word_index.json"), "{\"the\": 1}");
        assertThatThrownBy(() -> load(npz.toString(), Map.of()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT))
                .hasMessageContaining("pickled Python objects").hasMessageContaining("raw aclImdb text");
    }

    @Test
    void brokenWordIndexAndTruncatedArchiveAreCorrupt() throws Exception {
        Path data = ImdbFiles.write(dir.resolve("imdb"), 2);
        Path archive = Cifar10Files.tar(data.resolve("aclImdb").getParent(), dir.resolve("imdb/aclImdb_v1.tar.gz"));
        byte[] bytes = Files.readAllBytes(archive);
        Files.write(archive, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        assertThatThrownBy(() -> load(archive.toString(), Map.of()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT));
        Files.writeString(data.resolve("imdb_word_index.json"), "[1, 2, 3]");
        assertThatThrownBy(() -> load(data.toString(), Map.of())).hasMessageContaining("is not a word index");
    }
}
