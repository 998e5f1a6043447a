package dev.trainingplatform.ml.train;

import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Calls a TorchScript method on prepared {@link IValue} arguments with the gradient recorded (in
 * the thread's grad mode, as DJL's own training calls run).
 *
 * <p>Why by reflection: DJL's public calls offer either prepared arguments, run under its inference
 * guard (nothing can be differentiated), or NDArrays, from which it builds every argument anew on
 * each call, by parsing each array's name. The compiled step needs the gradient and passes 4n
 * arrays that never change (the weights and the optimizer's state): as four lists built once, a step
 * hands libtorch two new arguments instead of 2 + 4n, and on a small model those per-call
 * conversions were a large part of the Java side of a step (docs/performance.md). DJL's own JNI
 * function takes a train flag for exactly this ({@code PyTorchLibrary.moduleRunMethod}); it is
 * package-private, so it is looked up once here. Where a DJL version lacks it, {@link #unavailable()}
 * says why and the trainer steps by DJL's operations instead.
 */
final class RecordedCall {

    private static final Object LIBRARY;
    private static final MethodHandle RUN_METHOD;
    private static final MethodHandle WRAP_RESULT;
    private static final boolean CUDA_STREAM;
    private static final String UNAVAILABLE;

    static {
        Object library = null;
        MethodHandle run = null;
        MethodHandle wrap = null;
        boolean cudaStream = false;
        String unavailable = null;
        try {
            Class<?> type = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field instance = type.getDeclaredField("LIB");
            instance.setAccessible(true);
            library = instance.get(null);
            Method method = type.getDeclaredMethod("moduleRunMethod", long.class, String.class, long[].class,
                    boolean.class, boolean.class);
            method.setAccessible(true);
            run = MethodHandles.lookup().unreflect(method);
            Constructor<IValue> result = IValue.class.getDeclaredConstructor(long.class);
            result.setAccessible(true);
            wrap = MethodHandles.lookup().unreflectConstructor(result);
            // The stream setting DJL's own calls pass (a CUDA stream of the module's own when set).
            Field stream = Class.forName("ai.djl.pytorch.jni.IValueUtils").getDeclaredField("CUDA_STREAM");
            stream.setAccessible(true);
            cudaStream = stream.getBoolean(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unavailable = e.toString();
        }
        LIBRARY = library;
        RUN_METHOD = run;
        WRAP_RESULT = wrap;
        CUDA_STREAM = cudaStream;
        UNAVAILABLE = unavailable;
    }

    private RecordedCall() {}

    /** @return null where the call is available, otherwise why not */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /**
     * @param arguments none null; the caller keeps and closes them
     * @return the method's result, for the caller to close
     */
    static IValue run(PtSymbolBlock module, String method, IValue[] arguments) {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("no recorded call on this DJL version: " + UNAVAILABLE);
        }
        long[] handles = new long[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            handles[i] = arguments[i].getHandle();
        }
        try {
            long result = (long) RUN_METHOD.invoke(LIBRARY, (long) module.getHandle(), method, handles, true, CUDA_STREAM);
            return (IValue) WRAP_RESULT.invoke(result);
        } catch (RuntimeException | Error e) {
            throw e; // the engine's own exceptions (EngineException) pass as they are
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
