package dev.trainingplatform.ml;

import ai.djl.Device;
import ai.djl.engine.Engine;

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

    /** GPU 0 when the engine sees one, the CPU otherwise. */
    public static Device device() {
        return engine().defaultDevice();
    }
}
