package dev.trainingplatform.evaluator;

import dev.trainingplatform.ml.data.DataSources;
import dev.trainingplatform.ml.data.DatasetCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;

/** Turns the evaluator's configuration into the data catalogue it reads test splits from. */
public class DataSetup {

    @Produces
    @ApplicationScoped
    DatasetCatalog catalog(EvaluatorConfig config) {
        EvaluatorConfig.Data d = config.data();
        return new DatasetCatalog(new DataSources(d.locations(), d.allowedRoots().stream().map(Path::of).toList(),
                Path.of(d.cacheDirectory()), d.downloadsEnabled()));
    }
}
