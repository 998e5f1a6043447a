package dev.trainingplatform.ml.testdata;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * FordA look-alikes in the UCR TSV layout (label -1 or 1, then the values). Learnable: class 1
 * series carry a sine burst, class -1 series are noise.
 */
public final class FordAFiles {

    private FordAFiles() {}

    public static Path write(Path dir, int train, int test, int length) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(3);
        write(dir.resolve("FordA_TRAIN.tsv"), train, length, random);
        write(dir.resolve("FordA_TEST.tsv"), test, length, random);
        return dir;
    }

    private static void write(Path file, int rows, int length, Random random) throws IOException {
        try (Writer out = Files.newBufferedWriter(file)) {
            for (int r = 0; r < rows; r++) {
                boolean positive = r % 2 == 1;
                StringBuilder line = new StringBuilder(positive ? "1" : "-1");
                for (int t = 0; t < length; t++) {
                    double v = random.nextGaussian() * 0.5 + (positive ? Math.sin(t * 0.3) : 0);
                    line.append('\t').append(String.format(Locale.ROOT, "%.6f", v));
                }
                out.write(line.append('\n').toString());
            }
        }
    }
}
