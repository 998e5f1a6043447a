package dev.trainingplatform.evaluator;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataset;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Keeps the most recently used data set: a job's checkpoints arrive one after another and share it,
 * and decoding (60 000 JPEGs for CIFAR-10) costs more than evaluating.
 */
@ApplicationScoped
public class TestDataCache {

    @Inject
    DatasetCatalog datasets;

    private DatasetSpec lastSpec;
    private LoadedDataset lastData;

    public synchronized LoadedDataset load(DatasetSpec spec) {
        if (!spec.equals(lastSpec)) {
            lastSpec = null;
            lastData = null; // let the old one go before the new one is read
            lastData = datasets.load(spec);
            lastSpec = spec;
        }
        return lastData;
    }
}
