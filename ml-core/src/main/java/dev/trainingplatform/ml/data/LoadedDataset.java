package dev.trainingplatform.ml.data;

import java.util.List;
import java.util.function.IntFunction;

/**
 * A data set ready for training: both splits in memory, plus what the evaluation needs to name
 * its classes. {@code classNames} is empty for regression. {@code testSampleText}, where the data
 * can be shown as text, renders test sample i for people (null otherwise).
 */
public record LoadedDataset(String name, Split train, Split test, List<String> classNames,
                            IntFunction<String> testSampleText) {

    public LoadedDataset(String name, Split train, Split test, List<String> classNames) {
        this(name, train, test, classNames, null);
    }

    public boolean isClassification() {
        return !classNames.isEmpty();
    }
}
