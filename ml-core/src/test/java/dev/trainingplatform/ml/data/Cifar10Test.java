package dev.trainingplatform.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.testdata.Cifar10Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

    @TempDir
    Path dir;

    private LoadedDataset load(String location, Map<String, String> options) {
        return new DatasetCatalog(new DataSources(Map.of(), List.of(dir), dir.resolve("cache"), false))
                .load(DatasetSpec.newBuilder().setName("cifar10").setLocation(location).setOptions(options).build());
    }

    @Test
    void binaryBatchesHoldOutTheValidationImagesAndKeepPixelsChannelsFirst() throws Exception {
        Path data = Cifar10Files.writeBinary(dir.resolve("bin"), 20, 30);
        LoadedDataset ds = load(data.toString(), Map.of("validationSize", "10"));
        assertThat(ds.train().size()).isEqualTo(90);
        assertThat(ds.test().size()).isEqualTo(30);
        assertThat(ds.train().sampleShape().getShape()).containsExactly(3, 32, 32);
        assertThat(ds.classNames()).containsExactly("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck");
        // The test split is not shuffled: its first image is the generator's first test image.
        Random random = new Random(11);
        for (int i = 0; i < 5 * 20; i++) {
            Cifar10Files.image(i % 10, random);
        }
        byte[] first = Cifar10Files.image(0, random);
        float[] expected = new float[3072];
        for (int p = 0; p < 3072; p++) {
            expected[p] = first[p] & 0xff;
        }
        assertThat(Arrays.copyOf(ds.test().features(), 3072)).containsExactly(expected);
        assertThat(ds.test().labels()[0]).isEqualTo(0f);
    }

    @Test
    void theSameHoldOutIsChosenEveryTime() throws Exception {
        Path data = Cifar10Files.writeBinary(dir.resolve("bin"), 20, 10);
        float[] a = load(data.toString(), Map.of("validationSize", "10")).train().labels();
        float[] b = load(data.toString(), Map.of("validationSize", "10")).train().labels();
        assertThat(a).containsExactly(b);
    }

    @Test
    void binaryVersionIsReadFromItsTarGzWithoutUnpacking() throws Exception {
        Path data = Cifar10Files.writeBinary(dir.resolve("src/cifar-10-batches-bin"), 10, 10);
        Path archive = Cifar10Files.tar(dir.resolve("src"), dir.resolve("cifar-10-binary.tar.gz"));
        LoadedDataset ds = load(archive.toString(), Map.of("validationSize", "0"));
        assertThat(ds.train().size()).isEqualTo(50);
        assertThat(ds.test().size()).isEqualTo(10);
        assertThat(data).exists();
    }

    @Test
    void imageFoldersAsADirectoryAndAsATarGiveTheSameImages() throws Exception {
        Path folders = Cifar10Files.writeImageFolders(dir.resolve("jpg"), 3, 2);
        LoadedDataset fromDir = load(folders.toString(), Map.of("validationSize", "0"));
        LoadedDataset fromTar = load(Cifar10Files.tar(folders, dir.resolve("cifar10.tar")).toString(),
                Map.of("validationSize", "0"));
        assertThat(fromDir.train().size()).isEqualTo(30);
        assertThat(fromDir.test().size()).isEqualTo(20);
        // CIFAR-10's folder names are shown with the tutorial's short names.
        assertThat(fromDir.classNames()).startsWith("plane", "car").hasSize(10);
        assertThat(fromTar.train().features()).containsExactly(fromDir.train().features());
        assertThat(fromTar.test().labels()).containsExactly(fromDir.test().labels());
    }

    @Test
    void outOfRangeOrNonNumericOptionsAreRejected() throws Exception {
        Path data = Cifar10Files.writeBinary(dir.resolve("bin"), 4, 4);
        assertThatThrownBy(() -> load(data.toString(), Map.of("validationSize", "-1")))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JOB))
                .hasMessageContaining("validationSize='-1' must be a number in [0, 50000]");
        assertThatThrownBy(() -> load(data.toString(), Map.of("splitSeed", "abc"))).hasMessageContaining("splitSeed='abc'");
        assertThatThrownBy(() -> load(data.toString(), Map.of("validationSize", "2.5"))).hasMessageContaining("must be an integer");
    }

    @Test
    void truncatedBatchIsCorrupt() throws Exception {
        Path data = Cifar10Files.writeBinary(dir.resolve("bin"), 4, 4);
        byte[] batch = Files.readAllBytes(data.resolve("data_batch_3.bin"));
        Files.write(data.resolve("data_batch_3.bin"), Arrays.copyOf(batch, batch.length - 7));
        assertThatThrownBy(() -> load(data.toString(), Map.of()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT))
                .hasMessageContaining("data_batch_3.bin").hasMessageContaining("3073-byte records");
    }

    @Test
    void anImageThatIsNotAnImageOrNot32By32IsCorrupt() throws Exception {
        Path folders = Cifar10Files.writeImageFolders(dir.resolve("jpg"), 1, 1);
        Path bird = folders.resolve("train/bird/0000.png");
        Files.writeString(bird, "not a picture");
        assertThatThrownBy(() -> load(folders.toString(), Map.of()))
                .hasMessageContaining("0000.png is not a readable image");
        java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(big, "png", bird.toFile());
        assertThatThrownBy(() -> load(folders.toString(), Map.of())).hasMessageContaining("64x64");
    }

    @Test
    void aTruncatedArchiveIsCorrupt() throws Exception {
        Path folders = Cifar10Files.writeImageFolders(dir.resolve("jpg"), 2, 1);
        Path archive = Cifar10Files.tar(folders, dir.resolve("c.tar.gz"));
        byte[] bytes = Files.readAllBytes(archive);
        Files.write(archive, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> load(archive.toString(), Map.of()))
                .isInstanceOfSatisfying(JobRejectedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_CORRUPT));
    }
}
