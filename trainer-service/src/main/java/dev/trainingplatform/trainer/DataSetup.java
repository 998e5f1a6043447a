package dev.trainingplatform.trainer;

import dev.trainingplatform.ml.data.DatasetCatalog;
import dev.trainingplatform.ml.data.LoadedDataCache;
import dev.trainingplatform.ml.train.admission.JobLimits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Turns the trainer's configuration into the ml-core objects it configures. */
public class DataSetup {

    @Produces
    @ApplicationScoped
    DatasetCatalog catalog(TrainerConfig config) {
        return new DatasetCatalog(config.data().toSources());
    }

    @Produces
    @ApplicationScoped
    LoadedDataCache loadedData(DatasetCatalog catalog, TrainerConfig config) {
        return new LoadedDataCache(catalog, config.data().keepLoadedMaxBytes());
    }

    @Produces
    @Singleton // a record cannot be proxied, so not @ApplicationScoped
    JobLimits limits(TrainerConfig config) {
        TrainerConfig.Limits l = config.limits();
        return new JobLimits(l.maxEpochs(), l.maxBatchSize(), l.maxParameters(), l.maxCheckpointBytes(), l.maxDatasetBytes(),
                l.maxLayers());
    }
}
