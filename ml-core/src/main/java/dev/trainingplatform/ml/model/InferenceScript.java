package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's inference pass written as one TorchScript module: the statements each layer kind adds
 * ({@code LayerKind.inference}) and the arrays they read, which become the module's attributes
 * (parameters, and constant buffers such as a normalization's means). Built by {@link #of}; written
 * to a file by {@code dev.trainingplatform.ml.TorchScriptArchive}.
 *
 * <p>The statements call the engine operations the layers' DJL blocks call on PyTorch, with the same
 * constants, so the module computes what the evaluator computes; {@code ModelExportTest} holds the
 * two equal on every preset, in libtorch through DJL and in Python's {@code torch.jit.load}. Only
 * operations that PyTorch 1.13's TorchScript already has are used, so the file loads there too.
 */
public final class InferenceScript {

    /** The module's class name, in the file as {@code __torch__.ExportedModel}. */
    public static final String CLASS_NAME = "ExportedModel";

    /** One array the module holds: a parameter (trainable in the job) or a constant buffer. */
    public record Tensor(String name, float[] values, long[] shape, boolean parameter) {}

    private final StringBuilder body = new StringBuilder();
    private final List<Tensor> tensors = new ArrayList<>();
    private int temporaries;

    private InferenceScript() {}

    /**
     * @param layers the model's layer list, as {@link ModelFactory#build} built {@code model} from it,
     *               its parameters loaded
     * @param inputShape one sample's shape, without the batch axis, as the model was built for
     */
    public static InferenceScript of(List<Layer> layers, SequentialBlock model,
                                     Shape inputShape) {
        List<Block> blocks = new ArrayList<>();
        for (Pair<String, Block> child : model.getChildren()) {
            blocks.add(child.getValue());
        }
        if (blocks.size() != layers.size()) {
            throw new IllegalArgumentException("the model has " + blocks.size() + " blocks for " + layers.size() + " layers");
        }
        InferenceScript script = new InferenceScript();
        String h = "x";
        Shape shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            LayerArgs args = new LayerArgs(i, layers.get(i));
            Block block = blocks.get(i);
            String out = LayerKinds.of(args).inference(args, block, shape, script, h);
            if (!out.equals(h)) {
                h = script.let(out);
            }
            shape = block.getOutputShapes(new Shape[] {
                    new Shape(1).addAll(shape)})[0].slice(1);
        }
        script.body.append("return ").append(h).append('\n');
        return script;
    }

    /** The arrays the module holds, in the order of its attributes. */
    public List<Tensor> tensors() {
        return List.copyOf(tensors);
    }

    /**
     * The module's source, in the form libtorch's serializer writes ({@code code/__torch__.py}): typed
     * attributes, the list of those that are parameters, and {@code forward(x)} from the batch to the
     * model's output (logits for a classifier, the value for a regression).
     */
    public String source() {
        StringBuilder s = new StringBuilder("class " + CLASS_NAME + "(Module):\n");
        s.append("  __parameters__ = [").append(names(true)).append("]\n");
        s.append("  __buffers__ = [").append(names(false)).append("]\n");
        s.append("  training : bool\n");
        for (Tensor t : tensors) {
            s.append("  ").append(t.name()).append(" : Tensor\n");
        }
        s.append("  def forward(self: __torch__.").append(CLASS_NAME).append(", x: Tensor) -> Tensor:\n");
        s.append(body.toString().indent(4));
        return s.toString();
    }

    private String names(boolean parameters) {
        List<String> names = new ArrayList<>();
        for (Tensor t : tensors) {
            if (t.parameter() == parameters) {
                names.add('"' + t.name() + '"');
            }
        }
        return String.join(", ", names);
    }

    // ---- For the layer kinds ----------------------------------------------------------------------

    /**
     * The block's parameter called {@code name}, as the attribute the statements read. A nested
     * block's parameters are named as DJL names them, {@code <child>_<name>} with the child's number
     * before its name ({@code 01query_weight}): {@code name} may leave out the number, or the child.
     */
    String parameter(Block block, String name) {
        Parameter found = null;
        for (Pair<String, Parameter> p : block.getParameters()) {
            String key = p.getKey();
            if (key.equals(name) || key.replaceFirst("^[0-9]+", "").equals(name) || key.endsWith("_" + name)) {
                if (found != null) {
                    throw new IllegalStateException("two parameters called " + name + " in " + block);
                }
                found = p.getValue();
            }
        }
        if (found == null) {
            throw new IllegalStateException("no parameter called " + name + " in " + block);
        }
        NDArray array = found.getArray();
        return add(array.toFloatArray(), array.getShape().getShape(), true);
    }

    /** A constant array (a buffer of the module), as the attribute the statements read. */
    String constant(float[] values, long... shape) {
        return add(values.clone(), shape.clone(), false);
    }

    private String add(float[] values, long[] shape, boolean parameter) {
        String name = (parameter ? "p" : "c") + tensors.size();
        tensors.add(new Tensor(name, values, shape, parameter));
        return "self." + name;
    }

    /** Assigns {@code expression} to a new variable and returns the variable. */
    String let(String expression) {
        String name = "t" + temporaries++;
        body.append(name).append(" = ").append(expression).append('\n');
        return name;
    }

    /** A TorchScript list of ints. */
    static String ints(long... values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return b.append(']').toString();
    }

    /** A float argument exactly as DJL passes it: the float value, widened to a double. */
    static String floatLiteral(double value) {
        return ScriptedModel.literal((float) value);
    }

    static String call(String function, Object... arguments) {
        StringBuilder b = new StringBuilder(function).append('(');
        for (int i = 0; i < arguments.length; i++) {
            b.append(i == 0 ? "" : ", ").append(arguments[i]);
        }
        return b.append(')').toString();
    }
}
