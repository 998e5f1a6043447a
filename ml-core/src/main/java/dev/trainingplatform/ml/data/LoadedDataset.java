package dev.trainingplatform.ml.data;

import java.util.List;

/**
 * A data set ready for training: both splits in memory, plus what the evaluation needs to name
 * its classes. {@code classNames} is empty for regression.
 */
public record LoadedDataset(String name, Split train, Split test, List<String> classNames) {

    public boolean isClassification() {
        return !classNames.isEmpty();
    }
}
