package dev.trainingplatform.ml.data;

import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * FordA from the UCR archive's TSV files ({@code FordA_TRAIN.tsv}, {@code FordA_TEST.tsv}): each row
 * is a label (-1 or 1) then the series' values, tab-separated. Labels -1/1 become classes 0/1; each
 * series becomes a (1, length) channels-first sample.
 *
 * <p>The canonical files were never reachable from this project's machines, so their SHA-256 is not
 * recorded: give it in the job's dataset options ({@code trainSha256}, {@code testSha256}) to have a
 * download checked.
 */
public final class UcrTimeSeries implements DatasetLoader {

    public static final String NAME = "forda";
    public static final String CANONICAL_URL = "https://raw.githubusercontent.com/hfawaz/cd-diagram/master/FordA/";
    public static final List<String> CLASS_NAMES = List.of("-1", "1");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LoadedDataset load(DatasetSpec spec, DataFiles files) {
        String location = files.locationFor(NAME, spec.getLocation());
        Split train = read(files.file(location, checksum(spec, "trainSha256"), "FordA_TRAIN.tsv"))
                .head(spec.getMaxTrainSamples());
        Split test = read(files.file(location, checksum(spec, "testSha256"), "FordA_TEST.tsv"))
                .head(spec.getMaxTestSamples());
        if (!train.sampleShape().equals(test.sampleShape())) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "FordA train series have shape "
                    + train.sampleShape() + " but test series " + test.sampleShape());
        }
        return new LoadedDataset(NAME, train, test, CLASS_NAMES);
    }

    private static DataFiles.Checksum checksum(DatasetSpec spec, String option) {
        String sha = spec.getOptions().get(option);
        return sha == null ? null : new DataFiles.Checksum(sha, false);
    }

    static Split read(Path file) {
        int length = -1;
        FloatList values = new FloatList();
        FloatList labels = new FloatList();
        DataFiles.refuseIfTooLarge(file);
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.trim().split("[\\t ,]+");
                if (length < 0) {
                    length = cells.length - 1;
                    if (length < 1) {
                        throw corrupt(file, lineNo, "a row needs a label and at least one value");
                    }
                } else if (cells.length - 1 != length) {
                    throw corrupt(file, lineNo, "has " + (cells.length - 1) + " values, earlier rows " + length
                            + " (truncated file?)");
                }
                labels.add(label(cells[0], file, lineNo));
                for (int i = 1; i < cells.length; i++) {
                    float v = number(cells[i], file, lineNo);
                    values.add(v);
                }
            }
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "cannot read " + file + ": " + e.getMessage());
        }
        if (labels.size() == 0) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, file + " holds no series");
        }
        return new Split(values.toArray(), new Shape(1, length), labels.toArray());
    }

    private static float label(String cell, Path file, int line) {
        float v = number(cell, file, line);
        if (v == -1f) {
            return 0f;
        }
        if (v == 1f) {
            return 1f;
        }
        throw corrupt(file, line, "the label (first column) is neither -1 nor 1");
    }

    private static float number(String cell, Path file, int line) {
        try {
            float v = Float.parseFloat(cell);
            if (!Float.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            // The cell is not echoed: a downloaded file's content stays out of error messages.
            throw corrupt(file, line, "a value is not a finite number");
        }
    }

    private static JobRejectedException corrupt(Path file, int line, String why) {
        return new JobRejectedException(ErrorCode.DATA_CORRUPT, file + " line " + line + ": " + why);
    }
}
