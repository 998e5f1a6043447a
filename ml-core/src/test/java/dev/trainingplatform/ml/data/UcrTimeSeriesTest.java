package dev.trainingplatform.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.testdata.FordAFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UcrTimeSeriesTest {

    @TempDir
    Path dir;

    private DatasetCatalog catalog() {
        return new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false));
    }

    @Test
    void readsTheUcrLayoutWithTheRealSplitSizesAndMapsLabels() throws Exception {
        Path data = FordAFiles.write(dir.resolve("forda"), 3601, 1320, 500);
        LoadedDataset ds = catalog().load(DatasetSpec.newBuilder().setName("forda").setLocation(data.toString()).build());
        assertThat(ds.train().size()).isEqualTo(3601);
        assertThat(ds.test().size()).isEqualTo(1320);
        assertThat(ds.train().sampleShape().getShape()).containsExactly(1, 500);
        assertThat(ds.train().labels()).containsOnly(0f, 1f);
        assertThat(ds.classNames()).containsExactly("-1", "1");
        // First generated row has label -1, second 1.
        assertThat(ds.train().labels()[0]).isEqualTo(0f);
        assertThat(ds.train().labels()[1]).isEqualTo(1f);
    }

    @Test
    void aShortRowIsReportedWithItsLineNumber() throws Exception {
        Path data = FordAFiles.write(dir.resolve("forda"), 20, 10, 50);
        Path train = data.resolve("FordA_TRAIN.tsv");
        List<String> lines = Files.readAllLines(train);
        lines.set(4, lines.get(4).substring(0, lines.get(4).lastIndexOf('\t')));
        Files.write(train, lines);
        assertThatThrownBy(() -> catalog().load(DatasetSpec.newBuilder().setName("forda").setLocation(data.toString()).build()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT))
                .hasMessageContaining("line 5").hasMessageContaining("truncated");
    }

    @Test
    void unknownLabelsAndTextAreCorrupt() throws Exception {
        Path data = FordAFiles.write(dir.resolve("forda"), 5, 5, 10);
        Path test = data.resolve("FordA_TEST.tsv");
        Files.writeString(test, "2\t0.1\t0.2\n");
        assertThatThrownBy(() -> catalog().load(DatasetSpec.newBuilder().setName("forda").setLocation(data.toString()).build()))
                .hasMessageContaining("neither -1 nor 1");
        Files.writeString(test, "1\tabc\t0.2\n");
        assertThatThrownBy(() -> catalog().load(DatasetSpec.newBuilder().setName("forda").setLocation(data.toString()).build()))
                .hasMessageContaining("line 1: a value is not a finite number").hasMessageNotContaining("abc");
    }
}
