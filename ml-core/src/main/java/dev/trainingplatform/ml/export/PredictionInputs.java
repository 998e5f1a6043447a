package dev.trainingplatform.ml.export;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import dev.trainingplatform.ml.data.IdxFile;
import dev.trainingplatform.ml.data.ImdbVocabulary;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Samples for a model from a user's file, in the layout the job's data set gave the model: an IDX
 * file (Fashion-MNIST's format), image files (PNG, JPEG, BMP, GIF; grayscale for one channel, RGB
 * planes for three, pixel values 0..255, at the model's size), a text review for a text model, or a
 * CSV of numbers (one sample a row). Every file's size is checked before it is read.
 */
public final class PredictionInputs {

    /** The largest input file read (a Fashion-MNIST test file is 7.8 MB, CIFAR-10's 30 MB). */
    public static final long MAX_FILE_BYTES = 256L << 20;

    /** {@code count} samples of {@code sample}'s shape, row-major, and where each came from. */
    public record Samples(float[] values, Shape sample, List<String> names) {
        public int count() {
            return names.size();
        }
    }

    private PredictionInputs() {}

    /**
     * @param files      the input files: one IDX, CSV or text file, or image files
     * @param sample     one sample's shape as the model takes it
     * @param vocabulary a text model's vocabulary; null for other models
     * @param first      read at most this many samples from a file that holds several
     */
    public static Samples read(List<Path> files, Shape sample, ImdbVocabulary vocabulary, int first) {
        if (files.isEmpty()) {
            throw invalid("no input file given");
        }
        if (first < 1) {
            throw invalid("the number of samples to read must be positive, got " + first);
        }
        List<float[]> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path file : files) {
            checkSize(file);
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (vocabulary != null) {
                rows.add(vocabulary.ids(readText(file)));
                names.add(file.getFileName().toString());
            } else if (name.matches(".*\\.(png|jpe?g|bmp|gif)")) {
                rows.add(image(file, sample));
                names.add(file.getFileName().toString());
            } else if (name.endsWith(".csv") || name.endsWith(".txt")) {
                csv(file, sample, first, rows, names);
            } else {
                idx(file, sample, first, rows, names);
            }
        }
        int perSample = Math.toIntExact(sample.size());
        float[] values = new float[Math.multiplyExact(rows.size(), perSample)];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, values, i * perSample, perSample);
        }
        return new Samples(values, sample, names);
    }

    /** IDX images of the model's shape (N x 28 x 28 for Fashion-MNIST), gzipped or not. */
    private static void idx(Path file, Shape sample, int first, List<float[]> rows, List<String> names) {
        IdxFile idx = IdxFile.read(file);
        int[] dims = idx.dims();
        long perSample = 1;
        for (int i = 1; i < dims.length; i++) {
            perSample *= dims[i];
        }
        if (dims.length < 2 || perSample != sample.size()) {
            throw invalid(file + " holds IDX samples of shape " + java.util.Arrays.toString(dims)
                    + " (count first); the model takes samples of " + sample);
        }
        byte[] data = idx.data();
        int n = Math.min(first, dims[0]);
        for (int s = 0; s < n; s++) {
            float[] row = new float[(int) perSample];
            for (int i = 0; i < row.length; i++) {
                row[i] = data[s * row.length + i] & 0xff;
            }
            rows.add(row);
            names.add(file.getFileName() + "[" + s + "]");
        }
    }

    /** An image as the model's (height, width), (1, height, width) or (3, height, width) pixel values 0..255. */
    private static float[] image(Path file, Shape sample) {
        int channels = sample.dimension() == 2 ? 1 : sample.dimension() == 3 ? (int) sample.get(0) : -1;
        if (channels != 1 && channels != 3) {
            throw invalid("the model takes samples of " + sample + ", not images; give a CSV of numbers instead");
        }
        long height = sample.get(sample.dimension() - 2);
        long width = sample.get(sample.dimension() - 1);
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw invalid("cannot read the image " + file + ": " + e.getMessage());
        }
        if (image == null) {
            throw invalid(file + " is not an image Java can read (PNG, JPEG, BMP, GIF)");
        }
        if (image.getHeight() != height || image.getWidth() != width) {
            throw invalid(file + " is " + image.getWidth() + " x " + image.getHeight() + " pixels; the model takes "
                    + width + " x " + height + " images: resize it first");
        }
        float[] row = new float[Math.toIntExact(channels * height * width)];
        int plane = (int) (height * width);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                int at = (int) (y * width + x);
                if (channels == 1) {
                    row[at] = r == g && g == b ? r : Math.round(0.299f * r + 0.587f * g + 0.114f * b);
                } else {
                    row[at] = r;
                    row[plane + at] = g;
                    row[2 * plane + at] = b;
                }
            }
        }
        return row;
    }

    /** Rows of numbers separated by commas (or spaces); blank lines and lines starting with # are skipped. */
    private static void csv(Path file, Shape sample, int first, List<float[]> rows, List<String> names) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw invalid("cannot read " + file + ": " + e.getMessage());
        }
        int perSample = Math.toIntExact(sample.size());
        for (int n = 0; n < lines.size() && names.size() < first; n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split("[,\\s]+");
            if (cells.length != perSample) {
                throw invalid(file + " line " + (n + 1) + " has " + cells.length + " values; the model takes "
                        + perSample + " per sample (" + sample + ", row-major)");
            }
            float[] row = new float[perSample];
            for (int i = 0; i < cells.length; i++) {
                try {
                    row[i] = Float.parseFloat(cells[i]);
                } catch (NumberFormatException e) {
                    throw invalid(file + " line " + (n + 1) + ": '" + cells[i] + "' is not a number");
                }
                if (!Float.isFinite(row[i])) {
                    throw invalid(file + " line " + (n + 1) + ": '" + cells[i] + "' is not a finite number");
                }
            }
            rows.add(row);
            names.add(file.getFileName() + ":" + (n + 1));
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw invalid("cannot read the review " + file + " as UTF-8 text: " + e.getMessage());
        }
    }

    private static void checkSize(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, file + " has " + size
                        + " bytes, more than the " + MAX_FILE_BYTES + " read as input");
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static JobRejectedException invalid(String message) {
        return new JobRejectedException(ErrorCode.INVALID_JOB, message);
    }
}
