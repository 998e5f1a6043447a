package dev.trainingplatform.ml.data;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST from its four IDX files (gzipped or not). Samples are (28, 28) raw pixel values
 * 0..255; the model rescales them.
 */
public final class FashionMnist implements DatasetLoader {

    public static final String NAME = "fashion-mnist";
    public static final String CANONICAL_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    // SHA-256 of the uncompressed IDX content: holds for the canonical files and for Debian's
    // dataset-fashion-mnist, which re-compresses the same bytes.
    private static final DataFiles.Checksum TRAIN_IMAGES = new DataFiles.Checksum(
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", true);
    private static final DataFiles.Checksum TRAIN_LABELS = new DataFiles.Checksum(
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", true);
    private static final DataFiles.Checksum TEST_IMAGES = new DataFiles.Checksum(
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", true);
    private static final DataFiles.Checksum TEST_LABELS = new DataFiles.Checksum(
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LoadedDataset load(DatasetSpec spec, DataFiles files) {
        String location = files.locationFor(NAME, spec.getLocation());
        boolean canonical = location.equals(CANONICAL_URL) || location.equals(CANONICAL_URL.replaceAll("/$", ""));
        Split train = split(files, location, "train", canonical ? TRAIN_IMAGES : null, canonical ? TRAIN_LABELS : null)
                .head(spec.getMaxTrainSamples());
        Split test = split(files, location, "t10k", canonical ? TEST_IMAGES : null, canonical ? TEST_LABELS : null)
                .head(spec.getMaxTestSamples());
        return new LoadedDataset(NAME, train, test, CLASS_NAMES);
    }

    private static Split split(DataFiles files, String location, String prefix,
                               DataFiles.Checksum imagesSum, DataFiles.Checksum labelsSum) {
        Path imagesFile = files.file(location, imagesSum, prefix + "-images-idx3-ubyte.gz", prefix + "-images-idx3-ubyte");
        Path labelsFile = files.file(location, labelsSum, prefix + "-labels-idx1-ubyte.gz", prefix + "-labels-idx1-ubyte");
        return fromIdx(IdxFile.read(imagesFile), IdxFile.read(labelsFile), imagesFile + " / " + labelsFile);
    }

    static Split fromIdx(IdxFile images, IdxFile labels, String what) {
        int[] d = images.dims();
        if (d.length != 3 || d[1] != 28 || d[2] != 28) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + ": images must be N x 28 x 28, got "
                    + java.util.Arrays.toString(d));
        }
        if (labels.dims().length != 1 || labels.dims()[0] != d[0]) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + ": " + d[0] + " images but labels of shape "
                    + java.util.Arrays.toString(labels.dims()));
        }
        byte[] px = images.data();
        float[] features = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            features[i] = px[i] & 0xff;
        }
        byte[] lb = labels.data();
        float[] y = new float[lb.length];
        for (int i = 0; i < lb.length; i++) {
            int label = lb[i] & 0xff;
            if (label >= CLASS_NAMES.size()) {
                throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + ": label " + label + " at sample " + i
                        + " is not one of the 10 classes");
            }
            y[i] = label;
        }
        return new Split(features, new Shape(28, 28), y);
    }
}
