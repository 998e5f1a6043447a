package dev.trainingplatform.ml.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass of a model, written as TorchScript statements over the model's own parameter
 * arrays, where every layer of the model has such a form: dense layers, the stateless activations,
 * flatten (in either order) and rescale (the layers of the MLP presets). Layers that draw random numbers (dropout,
 * augmentation) or carry their own structure have none, and a model with one of them has no scripted
 * forward.
 *
 * <p>The statements compute what the layers' DJL blocks compute, from the same arrays:
 * {@code torch.linear} is DJL's Linear on PyTorch, and the activations, flatten and rescale call the
 * same engine operations with the same constants. CompiledStepTest holds the two equal (training
 * through them and through the blocks ends with the same parameters).
 */
public record ScriptedForward(String statements, List<Parameter> parameters) {

    /** The variable the statements read the model's input from (a batch, as the model receives it). */
    public static final String INPUT = "x";

    /** The variable holding the model's output after the statements. */
    public static final String OUTPUT = "h";

    /** The list of parameter arrays the statements index, in the order of {@link #parameters()}. */
    public static final String PARAMETERS = "params";

    /**
     * @param layers the model's layer list, as {@link ModelFactory#build} built {@code model} from it
     * @return the scripted forward, or null where a layer has no scripted form
     */
    public static ScriptedForward of(List<Layer> layers, SequentialBlock model) {
        List<Block> blocks = new ArrayList<>();
        for (Pair<String, Block> child : model.getChildren()) {
            blocks.add(child.getValue());
        }
        if (blocks.size() != layers.size()) {
            return null;
        }
        StringBuilder code = new StringBuilder(OUTPUT + " = " + INPUT + "\n");
        List<Parameter> parameters = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerArgs args = new LayerArgs(i, layers.get(i));
            String expression = expression(args, blocks.get(i), parameters);
            if (expression == null) {
                return null;
            }
            code.append(OUTPUT).append(" = ").append(expression).append('\n');
        }
        return new ScriptedForward(code.toString(), List.copyOf(parameters));
    }

    /** The layer's output as an expression of {@link #OUTPUT}; null where it has no scripted form. */
    private static String expression(LayerArgs args, Block block, List<Parameter> parameters) {
        String h = OUTPUT;
        switch (args.type()) {
            case "dense": {
                Parameter weight = block.getDirectParameters().get("weight");
                Parameter bias = block.getDirectParameters().contains("bias") ? block.getDirectParameters().get("bias") : null;
                return "torch.linear(" + h + ", " + parameter(weight, parameters) + ", "
                        + (bias == null ? "None" : parameter(bias, parameters)) + ")";
            }
            case "relu":
                return "torch.relu(" + h + ")";
            case "tanh":
                return "torch.tanh(" + h + ")";
            case "sigmoid":
                return "torch.sigmoid(" + h + ")";
            case "gelu":
                return "torch.gelu(" + h + ")";
            case "flatten":
                return args.choice("order", "channelsFirst", "channelsFirst", "channelsLast").equals("channelsLast")
                        ? "torch.flatten(torch.movedim(" + h + ", 1, -1), 1)"
                        : "torch.flatten(" + h + ", 1)";
            case "rescale": {
                // The float constants DJL's LambdaBlock multiplies and adds, widened exactly.
                double scale = (float) args.number("scale");
                double offset = (float) args.number("offset", 0.0);
                return "torch.add(torch.mul(" + h + ", " + literal(scale) + "), " + literal(offset) + ")";
            }
            default:
                return null;
        }
    }

    private static String parameter(Parameter p, List<Parameter> parameters) {
        parameters.add(p);
        return PARAMETERS + "[" + (parameters.size() - 1) + "]";
    }

    /** Java's shortest exact form of the double, which TorchScript's float syntax reads back as the same value. */
    public static String literal(double value) {
        return Double.toString(value).replace('E', 'e');
    }
}
