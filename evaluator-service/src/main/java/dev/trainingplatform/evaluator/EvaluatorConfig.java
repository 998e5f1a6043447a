package dev.trainingplatform.evaluator;

import dev.trainingplatform.ml.data.DataSettings;
import io.smallrye.config.ConfigMapping;
import java.util.List;

@ConfigMapping(prefix = "evaluator")
public interface EvaluatorConfig {

    Data data();

    /** Directories parameter files named by a checkpoint's parametersUri may be read from. */
    List<String> checkpointDirectories();

    Limits limits();

    interface Data extends DataSettings {
    }

    /**
     * What the evaluator builds for a checkpoint at most; checked before anything is allocated. The
     * defaults, with their environment overrides, are in application.properties.
     */
    interface Limits {
        /** Longest layer list. */
        int maxLayers();

        /** Largest model; a parameter file over 4 bytes a parameter (plus 1 MiB of names) is not read. */
        long maxParameters();
    }
}
