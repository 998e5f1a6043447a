package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.DatasetSpec;

/** Reads one named data set into memory. */
public interface DatasetLoader {

    String name();

    LoadedDataset load(DatasetSpec spec, DataFiles files);
}
