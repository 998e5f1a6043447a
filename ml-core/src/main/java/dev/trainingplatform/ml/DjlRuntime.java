package dev.trainingplatform.ml;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The one place that touches DJL's process-wide settings. DJL must stay offline: the PyTorch natives
 * come from the pytorch-native jar on the class path, never from DJL's download site.
 */
public final class DjlRuntime {

    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
    }

    private DjlRuntime() {}

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The engine, loaded once. Call before any other DJL API so the settings above are in force. */
    public static Engine engine() {
        return Engine.getEngine("PyTorch");
    }

    private static final class ConfiguredThreads {
        static final int INTRA_OP = configured();

        private static int configured() {
            engine(); // loads the natives, with the thread count they are configured for
            return Math.max(1, JniUtils.getNumThreads());
        }
    }

    /**
     * The intra-op threads the engine was configured with ({@code -Dai.djl.pytorch.num_threads}, or
     * libtorch's default of one per core), whatever a job has set since.
     */
    public static int configuredIntraOpThreads() {
        return ConfiguredThreads.INTRA_OP;
    }

    /**
     * Sets the intra-op threads of the calling thread's engine operations (libtorch keeps OpenMP's and
     * MKL's counts per thread; threads started later inherit the last value set).
     */
    public static void useIntraOpThreads(int threads) {
        configuredIntraOpThreads(); // captured before the first change
        JniUtils.setNumThreads(threads);
    }

    /** GPU 0 when the engine sees one, the CPU otherwise. */
    public static Device device() {
        return engine().defaultDevice();
    }
}
