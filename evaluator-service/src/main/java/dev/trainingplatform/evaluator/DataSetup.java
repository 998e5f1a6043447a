package dev.trainingplatform.evaluator;

import dev.trainingplatform.ml.data.DatasetCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Turns the evaluator's configuration into the data catalogue it reads test splits from. */
public class DataSetup {

    @Produces
    @ApplicationScoped
    DatasetCatalog catalog(EvaluatorConfig config) {
        return new DatasetCatalog(config.data().toSources());
    }
}
