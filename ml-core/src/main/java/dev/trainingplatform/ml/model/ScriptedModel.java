package dev.trainingplatform.ml.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import dev.trainingplatform.contract.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's forward pass and its gradients, written as TorchScript statements over the model's own
 * parameter arrays, where every layer of the model has such a form: dense layers, the stateless
 * activations, flatten (in either order) and rescale (the layers of the MLP presets). Layers that draw
 * random numbers (dropout, augmentation) or carry their own structure have none, and a model with one
 * of them has no scripted form.
 *
 * <p>The forward statements compute what the layers' DJL blocks compute, from the same arrays:
 * {@code torch.linear} is DJL's Linear on PyTorch, and the activations, flatten and rescale call the
 * same engine operations with the same constants. The backward statements are the chain rule written
 * out layer by layer, from the last layer back to the first that has parameters, with the kernels
 * libtorch's autograd calls for these layers ({@code threshold_backward} for ReLU, {@code tanh_backward},
 * the weight's gradient as {@code mm(grad.t(), input)}, ...).
 *
 * <p>Why written out rather than left to autograd ({@code torch.autograd.grad}): for a sequence of
 * these layers the backward pass is a fixed list of a dozen kernels, and running it as statements
 * spares libtorch recording the graph in the forward pass (a node, saved arrays and version counters
 * per operation) and running its autograd engine over it, which on a small model is a large part of a
 * step (docs/performance.md has what it bought). CompiledStepTest holds the result equal to DJL's own
 * training through the blocks.
 */
public record ScriptedModel(String forward, String backward, List<Parameter> parameters) {

    /** The variable the forward statements read the model's input from (a batch, as the model receives it). */
    public static final String INPUT = "x";

    /** The variable holding the model's output after the forward statements. */
    public static final String OUTPUT = "h";

    /** The variable the backward statements read the loss's gradient with respect to {@link #OUTPUT} from. */
    public static final String OUTPUT_GRADIENT = "grad_h";

    /** The list the backward statements put the parameters' gradients in, in the order of {@link #parameters()}. */
    public static final String GRADIENTS = "grads";

    /** The list of parameter arrays the statements index, in the order of {@link #parameters()}. */
    public static final String PARAMETERS = "params";

    /**
     * A layer without parameters: its output, an expression of its input ({@code %s}), and its input's
     * gradient, of the output's gradient ({@code %1$s}), the input ({@code %2$s}) and the output
     * ({@code %3$s}).
     */
    record Stateless(String output, String inputGradient) {
        String output(String in) {
            return String.format(output, in);
        }

        String inputGradient(String g, String in, String out) {
            return String.format(inputGradient, g, in, out);
        }
    }

    /**
     * @param layers the model's layer list, as {@link ModelFactory#build} built {@code model} from it
     * @return the scripted model, or null where a layer has no scripted form
     */
    public static ScriptedModel of(List<Layer> layers, SequentialBlock model) {
        List<Block> blocks = new ArrayList<>();
        for (Pair<String, Block> child : model.getChildren()) {
            blocks.add(child.getValue());
        }
        if (blocks.size() != layers.size()) {
            return null;
        }
        List<Parameter> parameters = new ArrayList<>();
        List<String> gradientNames = new ArrayList<>();
        List<Backward> steps = new ArrayList<>();
        StringBuilder forward = new StringBuilder("h0 = " + INPUT + "\n");
        int firstWithParameters = -1;
        for (int i = 0; i < layers.size(); i++) {
            LayerArgs args = new LayerArgs(i, layers.get(i));
            // Layer i reads h<i> and writes h<i+1>; its backward reads g<i+1> and writes g<i>.
            String in = "h" + i;
            String out = "h" + (i + 1);
            String g = "g" + (i + 1);
            if (LayerKinds.isDense(args)) {
                firstWithParameters = firstWithParameters < 0 ? i : firstWithParameters;
                steps.add(dense(blocks.get(i), i, parameters, gradientNames, forward));
                continue;
            }
            Stateless layer = LayerKinds.of(args).script(args);
            if (layer == null) {
                return null;
            }
            forward.append(out).append(" = ").append(layer.output(in)).append('\n');
            steps.add(new Backward("", "g" + i + " = " + layer.inputGradient(g, in, out) + "\n"));
        }
        forward.append(OUTPUT).append(" = h").append(layers.size()).append('\n');
        StringBuilder backward = new StringBuilder("g" + layers.size() + " = " + OUTPUT_GRADIENT + "\n");
        // Back to the first layer with parameters: nothing before it needs a gradient.
        for (int i = layers.size() - 1; i >= firstWithParameters && firstWithParameters >= 0; i--) {
            backward.append(steps.get(i).parameters());
            if (i > firstWithParameters) {
                backward.append(steps.get(i).input());
            }
        }
        backward.append(GRADIENTS).append(" = [").append(String.join(", ", gradientNames)).append("]\n");
        return new ScriptedModel(forward.toString(), backward.toString(), List.copyOf(parameters));
    }

    /** A layer's backward statements: its parameters' gradients, and its input's ({@code g<i>}). */
    private record Backward(String parameters, String input) {}

    /** Appends dense layer {@code i}'s forward statement and returns its backward statements. */
    private static Backward dense(Block block, int i, List<Parameter> parameters, List<String> gradientNames,
                                  StringBuilder forward) {
        Parameter weight = block.getDirectParameters().get("weight");
        Parameter bias = block.getDirectParameters().contains("bias") ? block.getDirectParameters().get("bias") : null;
        String in = "h" + i;
        String g = "g" + (i + 1);
        String w = parameter(weight, parameters);
        gradientNames.add("gw" + i);
        String b = "None";
        if (bias != null) {
            b = parameter(bias, parameters);
            gradientNames.add("gb" + i);
        }
        forward.append("h").append(i + 1).append(" = torch.linear(").append(in).append(", ").append(w).append(", ")
                .append(b).append(")\n");
        // As autograd computes a linear layer's gradients, the weight's as grad^T input (in the weight's
        // layout). The input is (batch, features): ModelFactory puts a dense layer on nothing else.
        String backward = "gw" + i + " = torch.mm(torch.t(" + g + "), " + in + ")\n"
                + (bias == null ? "" : "gb" + i + " = torch.sum(" + g + ", [0])\n");
        return new Backward(backward, "g" + i + " = torch.mm(" + g + ", " + w + ")\n");
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
