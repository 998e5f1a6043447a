package dev.trainingplatform.ml.data;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * CIFAR-10, as (3, 32, 32) channels-first samples of raw 0..255 values, from either layout:
 * <ul>
 *   <li>the binary version: {@code data_batch_1..5.bin} and {@code test_batch.bin}, each record one
 *       label byte then 3072 bytes (red, green, blue planes of 32 x 32), in a directory or inside
 *       the published {@code cifar-10-binary.tar.gz};</li>
 *   <li>an image-folder layout, {@code train/<class>/*.jpg|png} and {@code test/<class>/*.jpg|png}
 *       as torchvision's ImageFolder reads it, in a directory or a .tar of it; classes are the
 *       sorted folder names.</li>
 * </ul>
 * The training split is the tutorial's 45 000 of 50 000 images, chosen with seed 42 (dataset options
 * {@code validationSize}, {@code splitSeed}); the 5 000 held out are not used for training.
 */
public final class Cifar10 implements DatasetLoader {

    public static final String NAME = "cifar10";
    public static final String CANONICAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    /** The tutorial's names for the ten classes, in label order. */
    public static final List<String> CLASS_NAMES = List.of("plane", "car", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    /** The folder names of the usual image-folder copies, which mean the same classes. */
    static final List<String> FOLDER_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");
    private static final Shape SAMPLE = new Shape(3, 32, 32);
    private static final int PIXELS = 3 * 32 * 32;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LoadedDataset load(DatasetSpec spec, DataFiles files) {
        String location = files.locationFor(NAME, spec.getLocation());
        Images images;
        try {
            if (DataFiles.isArchive(location)) {
                images = fromArchive(files.archive(location, null));
            } else if (location.startsWith("http:") || location.startsWith("https:")) {
                images = fromBinaryFiles(files, location);
            } else {
                images = fromDirectory(files, location);
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "cannot read CIFAR-10 from " + location + ": " + e.getMessage());
        }
        images.check(location);
        int validation = DatasetOptions.integer(spec, "validationSize", 5000, 0, 50_000);
        long seed = DatasetOptions.integer(spec, "splitSeed", 42, 0, Integer.MAX_VALUE);
        Split train = images.train.toSplit(images.train.count() > validation ? validation : 0, seed)
                .head(spec.getMaxTrainSamples());
        Split test = images.test.toSplit(0, seed).head(spec.getMaxTestSamples());
        return new LoadedDataset(NAME, train, test, images.classNames);
    }

    /** Samples of one split as read, before the hold-out. */
    static final class Samples {
        private final ByteList pixels = new ByteList();
        private final List<Integer> labels = new ArrayList<>();

        void add(byte[] chw, int label) {
            pixels.addAll(chw);
            labels.add(label);
        }

        int count() {
            return labels.size();
        }

        /** Drops {@code holdOut} samples chosen by a seeded shuffle, keeping the rest in shuffled order. */
        Split toSplit(int holdOut, long seed) {
            int n = count();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            if (holdOut > 0) {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            int keep = n - holdOut;
            float[] x = new float[keep * PIXELS];
            float[] y = new float[keep];
            byte[] all = pixels.array();
            for (int k = 0; k < keep; k++) {
                int src = order[k] * PIXELS;
                for (int p = 0; p < PIXELS; p++) {
                    x[k * PIXELS + p] = all[src + p] & 0xff;
                }
                y[k] = labels.get(order[k]);
            }
            return new Split(x, SAMPLE, y);
        }
    }

    private static final class Images {
        final Samples train = new Samples();
        final Samples test = new Samples();
        List<String> classNames = CLASS_NAMES;

        void check(String location) {
            if (train.count() == 0 || test.count() == 0) {
                throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "no CIFAR-10 " + (train.count() == 0 ? "training" : "test")
                        + " images found in " + location + " (expected data_batch_*.bin/test_batch.bin or train/ and test/ class folders)");
            }
        }
    }

    /** The binary version's six files, each fetched from {@code location}. */
    private static Images fromBinaryFiles(DataFiles files, String location) throws IOException {
        Images images = new Images();
        for (int b = 1; b <= 5; b++) {
            Path batch = files.file(location, null, "data_batch_" + b + ".bin");
            readBinary(DataFiles.readAllBounded(batch), batch.toString(), images.train);
        }
        Path test = files.file(location, null, "test_batch.bin");
        readBinary(DataFiles.readAllBounded(test), test.toString(), images.test);
        return images;
    }

    private static Images fromDirectory(DataFiles files, String location) throws IOException {
        Path dir = files.directory(location);
        if (Files.isRegularFile(dir.resolve("test_batch.bin"))) {
            return fromBinaryFiles(files, dir.toString());
        }
        Images images = new Images();
        TreeMap<String, List<Path>> train = classFolders(dir.resolve("train"));
        TreeMap<String, List<Path>> test = classFolders(dir.resolve("test"));
        images.classNames = displayNames(train.keySet());
        if (!train.keySet().equals(test.keySet())) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "train classes " + train.keySet()
                    + " differ from test classes " + test.keySet());
        }
        for (var split : List.of(train, test)) {
            Samples samples = split == train ? images.train : images.test;
            int label = 0;
            for (List<Path> paths : split.values()) {
                for (Path p : paths) {
                    samples.add(decode(DataFiles.readAllBounded(p), p.toString()), label);
                }
                label++;
            }
        }
        return images;
    }

    private static TreeMap<String, List<Path>> classFolders(Path split) throws IOException {
        TreeMap<String, List<Path>> classes = new TreeMap<>();
        if (!Files.isDirectory(split)) {
            return classes;
        }
        try (Stream<Path> dirs = Files.list(split)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> imgs = Files.list(d)) {
                    classes.put(d.getFileName().toString(), imgs.filter(Cifar10::isImage).sorted().toList());
                }
            }
        }
        return classes;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    /** Streams through a .tar or .tar.gz once, without unpacking it to disk. */
    static Images fromArchive(Path archive) throws IOException {
        Images images = new Images();
        TreeMap<String, List<byte[]>> trainFolders = new TreeMap<>();
        TreeMap<String, List<byte[]>> testFolders = new TreeMap<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
             TarArchiveInputStream tar = new TarArchiveInputStream(isGzip(archive) ? new GzipCompressorInputStream(raw) : raw)) {
            List<byte[]> trainBatches = new ArrayList<>(Arrays.asList(new byte[5][]));
            byte[] testBatch = null;
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName();
                String file = name.substring(name.lastIndexOf('/') + 1);
                if (file.matches("data_batch_[1-5]\\.bin")) {
                    trainBatches.set(file.charAt(11) - '1', DataFiles.readAtMost(tar, archive + "!" + file));
                } else if (file.equals("test_batch.bin")) {
                    testBatch = DataFiles.readAtMost(tar, archive + "!" + file);
                } else if (isImage(Path.of(file))) {
                    String[] parts = name.split("/");
                    if (parts.length >= 3) {
                        String split = parts[parts.length - 3];
                        String cls = parts[parts.length - 2];
                        TreeMap<String, List<byte[]>> target = split.equals("train") ? trainFolders
                                : split.equals("test") ? testFolders : null;
                        if (target != null) {
                            target.computeIfAbsent(cls, k -> new ArrayList<>()).add(decode(DataFiles.readAtMost(tar, name), name));
                        }
                    }
                }
            }
            if (testBatch != null) {
                for (int b = 0; b < 5; b++) {
                    if (trainBatches.get(b) == null) {
                        throw new JobRejectedException(ErrorCode.DATA_CORRUPT, archive + " lacks data_batch_" + (b + 1) + ".bin");
                    }
                    readBinary(trainBatches.get(b), archive + "!data_batch_" + (b + 1) + ".bin", images.train);
                }
                readBinary(testBatch, archive + "!test_batch.bin", images.test);
                return images;
            }
        } catch (java.io.EOFException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, archive + " ends early (truncated archive)");
        }
        if (!trainFolders.keySet().equals(testFolders.keySet())) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, archive + ": train classes " + trainFolders.keySet()
                    + " differ from test classes " + testFolders.keySet());
        }
        images.classNames = displayNames(trainFolders.keySet());
        int label = 0;
        for (String cls : trainFolders.keySet()) {
            for (byte[] chw : trainFolders.get(cls)) {
                images.train.add(chw, label);
            }
            for (byte[] chw : testFolders.get(cls)) {
                images.test.add(chw, label);
            }
            label++;
        }
        return images;
    }

    /** The tutorial's class names when the folders are CIFAR-10's own, the folder names otherwise. */
    private static List<String> displayNames(java.util.Set<String> folders) {
        return List.copyOf(folders).equals(FOLDER_NAMES) ? CLASS_NAMES : List.copyOf(folders);
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    static void readBinary(byte[] bytes, String what, Samples into) {
        int record = 1 + PIXELS;
        if (bytes.length == 0 || bytes.length % record != 0) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + ": not a whole number of 3073-byte records "
                    + "(truncated, or not CIFAR-10's binary format)");
        }
        for (int off = 0; off < bytes.length; off += record) {
            int label = bytes[off] & 0xff;
            if (label > 9) {
                throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + ": label " + label + " in record "
                        + off / record + " is not one of the 10 classes");
            }
            into.add(Arrays.copyOfRange(bytes, off + 1, off + record), label);
        }
    }

    /** A 32 x 32 image file to channels-first bytes. */
    static byte[] decode(byte[] file, String what) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(file));
        } catch (IOException e) {
            img = null;
        }
        if (img == null) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + " is not a readable image");
        }
        if (img.getWidth() != 32 || img.getHeight() != 32) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, what + " is " + img.getWidth() + "x"
                    + img.getHeight() + ", CIFAR-10 images are 32x32");
        }
        byte[] chw = new byte[PIXELS];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int rgb = img.getRGB(x, y);
                chw[y * 32 + x] = (byte) (rgb >> 16);
                chw[1024 + y * 32 + x] = (byte) (rgb >> 8);
                chw[2048 + y * 32 + x] = (byte) rgb;
            }
        }
        return chw;
    }

}
