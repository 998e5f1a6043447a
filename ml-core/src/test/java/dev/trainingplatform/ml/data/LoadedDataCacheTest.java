package dev.trainingplatform.ml.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data set kept between jobs: reused while nothing changed, dropped before anything else is loaded. */
class LoadedDataCacheTest {

    @TempDir
    Path root;

    private LoadedDataCache cache(long maxBytes) throws Exception {
        Path data = FashionMnistFiles.write(root.resolve("data/fashion-mnist"), 60, 20, true);
        DatasetCatalog catalog = new DatasetCatalog(new DataSources(Map.of("fashion-mnist", data.toString()),
                List.of(root.resolve("data")), root.resolve("cache"), false));
        return new LoadedDataCache(catalog, maxBytes);
    }

    private static DatasetSpec fashion() {
        return DatasetSpec.newBuilder().setName("fashion-mnist").build();
    }

    @Test
    void theSameDataSetAskedAgainIsTheKeptOneNotReadAgain() throws Exception {
        LoadedDataCache cache = cache(1L << 30);
        LoadedDataset first = cache.load(fashion());
        LoadedDataset second = cache.load(fashion());
        assertThat(second).isSameAs(first);
        assertThat(cache.reused()).isEqualTo(1);
    }

    @Test
    void aChangedFileIsReadAgain() throws Exception {
        LoadedDataCache cache = cache(1L << 30);
        LoadedDataset first = cache.load(fashion());
        Path images = root.resolve("data/fashion-mnist/train-images-idx3-ubyte.gz");
        Files.setLastModifiedTime(images, FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(cache.load(fashion())).isNotSameAs(first);
        assertThat(cache.reused()).isZero();
    }

    @Test
    void anotherDataSetReplacesTheKeptOne() throws Exception {
        LoadedDataCache cache = cache(1L << 30);
        LoadedDataset all = cache.load(fashion());
        DatasetSpec fewer = DatasetSpec.newBuilder(fashion()).setMaxTrainSamples(10).build();
        LoadedDataset some = cache.load(fewer);
        assertThat(some.train().size()).isEqualTo(10);
        assertThat(cache.load(fashion())).as("dropped when the other was loaded").isNotSameAs(all);
        assertThat(cache.reused()).isZero();
    }

    @Test
    void theCallersSpecChangingAfterwardsDoesNotChangeTheKey() throws Exception {
        LoadedDataCache cache = cache(1L << 30);
        DatasetSpec spec = fashion();
        LoadedDataset first = cache.load(spec);
        spec.setMaxTrainSamples(5);
        assertThat(cache.load(spec)).isNotSameAs(first);
        assertThat(cache.load(spec).train().size()).isEqualTo(5);
    }

    @Test
    void aDataSetOverTheLimitIsNotKept() throws Exception {
        LoadedDataCache cache = cache(0);
        LoadedDataset first = cache.load(fashion());
        assertThat(LoadedDataCache.bytes(first)).isPositive();
        assertThat(cache.load(fashion())).isNotSameAs(first);
        assertThat(cache.reused()).isZero();
    }
}
