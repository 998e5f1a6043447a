package dev.trainingplatform.ml.testdata;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Writes small Fashion-MNIST look-alikes in the real IDX format. The images are learnable: class c
 * lights up its own band of rows, on top of noise, so a few epochs of the MLP separate the classes.
 */
public final class FashionMnistFiles {

    private FashionMnistFiles() {}

    public static Path write(Path dir, int trainSamples, int testSamples, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(7);
        writeSplit(dir, "train", trainSamples, gzip, random);
        writeSplit(dir, "t10k", testSamples, gzip, random);
        return dir;
    }

    private static void writeSplit(Path dir, String prefix, int n, boolean gzip, Random random) throws IOException {
        byte[] labels = new byte[n];
        byte[] pixels = new byte[n * 28 * 28];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            labels[i] = (byte) label;
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    int v = random.nextInt(90);
                    if (r / 3 == label) {
                        v += 140;
                    }
                    pixels[i * 784 + r * 28 + c] = (byte) v;
                }
            }
        }
        String suffix = gzip ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), idx(0x803, new int[] {n, 28, 28}, pixels, gzip));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), idx(0x801, new int[] {n}, labels, gzip));
    }

    public static byte[] idx(int magic, int[] dims, byte[] data, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream sink = gzip ? new GZIPOutputStream(bytes) : bytes;
             DataOutputStream out = new DataOutputStream(sink)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
