package dev.trainingplatform.evaluator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Map;

@ConfigMapping(prefix = "evaluator")
public interface EvaluatorConfig {

    Data data();

    /** Directories parameter files named by a checkpoint's parametersUri may be read from. */
    List<String> checkpointDirectories();

    interface Data {
        List<String> allowedRoots();

        String cacheDirectory();

        @WithDefault("true")
        boolean downloadsEnabled();

        Map<String, String> locations();
    }
}
