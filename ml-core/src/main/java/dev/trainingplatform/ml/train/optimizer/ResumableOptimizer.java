package dev.trainingplatform.ml.train.optimizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An optimizer whose state (per parameter: the step count and the update's slots, such as Adam's
 * moments or SGD's momentum) can be written out and read back, so that a job resumed from a
 * checkpoint continues exactly where it stopped.
 *
 * <p>Why not DJL's own Adam and Sgd: they keep that state in private maps with no way to export or
 * restore it. SGD calls DJL's engine kernel with the same arguments as DJL's {@code Sgd}; Adam
 * computes {@code torch.optim.Adam}'s update, by PyTorch's fused kernel or by DJL's kernel with
 * PyTorch's epsilon placement ({@link ResumableAdam}).
 *
 * <p>State is written per parameter name in the block's order (parameter ids are random per
 * instance, names are not), with DJL's own NDArray encoding; no Java serialization.
 */
public abstract class ResumableOptimizer extends Optimizer {

    private static final int MAGIC = 0x4F505431; // "OPT1"

    private final Map<String, Integer> steps = new ConcurrentHashMap<>();
    private final Map<String, NDArray[]> slots = new ConcurrentHashMap<>();

    protected ResumableOptimizer(float weightDecay) {
        super(new Settings().optWeightDecays(weightDecay));
    }

    /**
     * The learning rate of the updates from now on (a schedule sets it at each epoch's start), for this
     * optimizer and the fused update it made.
     */
    public abstract void setLearningRate(float learningRate);

    /** How many arrays of the weight's shape the update keeps per parameter. */
    protected abstract int slotCount();

    /** One more step of this parameter: its new step count (1 for the first). */
    protected final int nextStep(String parameterId) {
        return steps.merge(parameterId, 1, Integer::sum);
    }

    /** How many steps this parameter has taken. */
    protected final int stepCount(String parameterId) {
        return steps.getOrDefault(parameterId, 0);
    }

    /** The parameter's slots, zeros of the weight's shape on first use. */
    protected final NDArray[] slots(String parameterId, NDArray weight) {
        return slots.computeIfAbsent(parameterId, k -> {
            NDArray[] s = new NDArray[slotCount()];
            for (int i = 0; i < s.length; i++) {
                s[i] = weight.zerosLike();
            }
            return s;
        });
    }

    /**
     * An update of all {@code parameters} at once, by one engine call, on this optimizer's state;
     * null where this optimizer has none, and the caller updates parameter by parameter.
     */
    public FusedUpdate fuse(List<Parameter> parameters) {
        return null;
    }

    /** One step for a fixed list of parameters, holding engine resources until closed. */
    public interface FusedUpdate extends AutoCloseable {

        /** Applies the update if every gradient is finite and zeroes the gradients either way. @return whether it applied */
        boolean applyIfFinite(List<NDArray> gradients);

        @Override
        void close();
    }

    /** The state of every parameter of {@code block}, by name. */
    public byte[] saveState(Block block) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(slotCount());
            out.writeInt(block.getParameters().size());
            for (Pair<String, Parameter> p : block.getParameters()) {
                String id = p.getValue().getId();
                out.writeUTF(p.getKey());
                out.writeInt(steps.getOrDefault(id, 0));
                NDArray[] s = slots.get(id);
                out.writeBoolean(s != null);
                if (s != null) {
                    for (NDArray a : s) {
                        byte[] encoded = a.encode();
                        out.writeInt(encoded.length);
                        out.write(encoded);
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the optimizer's state", e);
        }
        return bytes.toByteArray();
    }

    /** Replaces this optimizer's state with what {@link #saveState} wrote for a block of the same layers. */
    public void loadState(Block block, byte[] state) {
        steps.clear();
        slots.clear();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            if (in.readInt() != MAGIC || in.readInt() != slotCount()) {
                throw invalid("it was written by another optimizer");
            }
            if (in.readInt() != block.getParameters().size()) {
                throw invalid("it has another number of parameters");
            }
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray weight = p.getValue().getArray();
                String name = in.readUTF();
                if (!name.equals(p.getKey())) {
                    throw invalid("it holds '" + name + "' where the model has '" + p.getKey() + "'");
                }
                int step = in.readInt();
                if (step > 0) {
                    steps.put(p.getValue().getId(), step);
                }
                if (in.readBoolean()) {
                    NDArray[] s = new NDArray[slotCount()];
                    NDManager manager = weight.getManager();
                    for (int i = 0; i < s.length; i++) {
                        byte[] encoded = new byte[in.readInt()];
                        in.readFully(encoded);
                        s[i] = NDArray.decode(manager, encoded).toDevice(weight.getDevice(), false);
                        if (!s[i].getShape().equals(weight.getShape())) {
                            throw invalid("its state for '" + name + "' has shape " + s[i].getShape()
                                    + ", the parameter " + weight.getShape());
                        }
                    }
                    slots.put(p.getValue().getId(), s);
                }
            }
            if (in.read() != -1) {
                throw invalid("it has trailing bytes");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof JobRejectedException j) {
                throw j;
            }
            throw invalid(e.toString());
        }
    }

    private static JobRejectedException invalid(String why) {
        return new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "the optimizer state does not fit: " + why);
    }

    private static final class Settings extends OptimizerBuilder<Settings> {
        @Override
        protected Settings self() {
            return this;
        }
    }
}
