package dev.trainingplatform.ml.eval;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.contract.LossType;
import dev.trainingplatform.ml.DjlRuntime;
import dev.trainingplatform.ml.data.LoadedDataset;
import dev.trainingplatform.ml.model.ModelFactory;
import dev.trainingplatform.ml.train.ModelParameters;
import dev.trainingplatform.ml.train.TrainingComponents;
import dev.trainingplatform.ml.train.TrainingPlan;
import java.util.List;

/** Rebuilds a model from its layer list, loads checkpointed parameters and evaluates the test split. */
public final class CheckpointEvaluation {

    private CheckpointEvaluation() {}

    public static TestSetEvaluation.Outcome evaluate(List<Layer> layers, LossType loss, byte[] parameters,
                                                     LoadedDataset data, int batchSize) {
        Shape sample = data.test().sampleShape();
        ModelFactory.BuiltModel built = ModelFactory.build(layers, sample);
        TrainingPlan.checkOutput(loss, built, data);
        try (Model model = Model.newInstance("evaluation", DjlRuntime.device())) {
            model.setBlock(built.block());
            built.block().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(sample));
            ModelParameters.load(built.block(), parameters, model.getNDManager());
            return TestSetEvaluation.run(built.block(), TrainingComponents.loss(loss), data.test(), batchSize,
                    data.classNames().size(), model.getNDManager());
        }
    }
}
