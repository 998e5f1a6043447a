package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The data sets the platform can load, by name. */
public final class DatasetCatalog {

    private final Map<String, DatasetLoader> loaders = new LinkedHashMap<>();
    private final DataFiles files;

    public DatasetCatalog(DataSources sources) {
        this.files = new DataFiles(sources);
        for (DatasetLoader l : List.<DatasetLoader>of(new FashionMnist(), new UcrTimeSeries(), new SyntheticRegression(), new Cifar10(), new ImdbReviews())) {
            loaders.put(l.name(), l);
        }
    }

    /** {@link #load}, with the local files and directories the data came from. */
    public DataFiles.Recorded<LoadedDataset> loadRecordingFiles(DatasetSpec spec) {
        return files.recordUsed(() -> load(spec));
    }

    public LoadedDataset load(DatasetSpec spec) {
        if (spec == null || spec.getName() == null || spec.getName().isBlank()) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "the job names no data set");
        }
        DatasetLoader loader = loaders.get(spec.getName());
        if (loader == null) {
            throw new JobRejectedException(ErrorCode.UNKNOWN_DATASET, "unknown data set '" + spec.getName()
                    + "'; known: " + String.join(", ", loaders.keySet()));
        }
        if (spec.getMaxTrainSamples() != null && spec.getMaxTrainSamples() <= 0
                || spec.getMaxTestSamples() != null && spec.getMaxTestSamples() <= 0) {
            throw new JobRejectedException(ErrorCode.INVALID_JOB, "maxTrainSamples and maxTestSamples must be positive");
        }
        LoadedDataset data = loader.load(spec, files);
        if (data.train().size() == 0 || data.test().size() == 0) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "data set '" + spec.getName() + "' has an empty split");
        }
        return data;
    }
}
