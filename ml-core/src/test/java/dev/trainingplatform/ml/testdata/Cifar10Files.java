package dev.trainingplatform.ml.testdata;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * CIFAR-10 look-alikes in both real layouts. Learnable: class c draws a bright 8x8 square at a
 * position of its own (and its own colour channel) on noise.
 */
public final class Cifar10Files {

    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private Cifar10Files() {}

    /** Channels-first bytes of sample {@code i} of class {@code label}. */
    public static byte[] image(int label, Random random) {
        byte[] chw = new byte[3072];
        for (int p = 0; p < chw.length; p++) {
            chw[p] = (byte) random.nextInt(100);
        }
        int top = (label / 4) * 10 + 2;
        int left = (label % 4) * 7 + 1;
        for (int y = top; y < top + 8; y++) {
            for (int x = left; x < left + 8; x++) {
                chw[(label % 3) * 1024 + y * 32 + x] = (byte) 250;
            }
        }
        return chw;
    }

    /** data_batch_1..5.bin (perBatch records each) and test_batch.bin (test records). */
    public static Path writeBinary(Path dir, int perBatch, int test) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(11);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records(perBatch, random));
        }
        Files.write(dir.resolve("test_batch.bin"), records(test, random));
        return dir;
    }

    private static byte[] records(int n, Random random) {
        byte[] out = new byte[n * 3073];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            out[i * 3073] = (byte) label;
            System.arraycopy(image(label, random), 0, out, i * 3073 + 1, 3072);
        }
        return out;
    }

    /** {train,test}/<class>/NNNN.png, perClass images per class in train and test. */
    public static Path writeImageFolders(Path dir, int trainPerClass, int testPerClass) throws IOException {
        Random random = new Random(13);
        for (String split : List.of("train", "test")) {
            int n = split.equals("train") ? trainPerClass : testPerClass;
            for (int c = 0; c < 10; c++) {
                Path folder = Files.createDirectories(dir.resolve(split).resolve(CLASSES.get(c)));
                for (int i = 0; i < n; i++) {
                    Files.write(folder.resolve(String.format("%04d.png", i)), png(image(c, random)));
                }
            }
        }
        return dir;
    }

    public static byte[] png(byte[] chw) throws IOException {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int r = chw[y * 32 + x] & 0xff;
                int g = chw[1024 + y * 32 + x] & 0xff;
                int b = chw[2048 + y * 32 + x] & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Packs a directory into a tar (gzipped when the name ends in .gz), paths relative to it. */
    public static Path tar(Path dir, Path archive) throws IOException {
        try (OutputStream file = Files.newOutputStream(archive);
             OutputStream sink = archive.toString().endsWith(".gz") ? new GZIPOutputStream(file) : file;
             TarArchiveOutputStream tar = new TarArchiveOutputStream(sink);
             var files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                TarArchiveEntry e = new TarArchiveEntry(p.toFile(), dir.relativize(p).toString());
                tar.putArchiveEntry(e);
                Files.copy(p, tar);
                tar.closeArchiveEntry();
            }
        }
        return archive;
    }
}
