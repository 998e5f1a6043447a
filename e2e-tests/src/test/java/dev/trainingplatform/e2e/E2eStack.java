package dev.trainingplatform.e2e;

import dev.trainingplatform.contract.CheckpointPolicy;
import dev.trainingplatform.contract.DatasetSpec;
import dev.trainingplatform.contract.ModelSpec;
import dev.trainingplatform.contract.OptimizerSpec;
import dev.trainingplatform.contract.OptimizerType;
import dev.trainingplatform.contract.TrainingJob;
import dev.trainingplatform.ml.testdata.FashionMnistFiles;
import dev.trainingplatform.testkafka.ContractClient;
import dev.trainingplatform.testkafka.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a multi-service test starts from: a broker of its own (in this JVM, two partitions per
 * topic), generated Fashion-MNIST files and the services' environment, all under a new directory.
 */
record E2eStack(Path work, Path data, KafkaBroker broker, Map<String, String> env) implements AutoCloseable {

    static E2eStack start(String prefix) throws Exception {
        Path work = Files.createTempDirectory(prefix);
        Path data = FashionMnistFiles.write(work.resolve("data/fashion-mnist"), 300, 100, true);
        KafkaBroker broker = KafkaBroker.start();
        broker.createContractTopics(2);
        return new E2eStack(work, data, broker, ServiceProcess.environment(broker.bootstrapServers(), work, data));
    }

    ContractClient client() {
        return new ContractClient(broker.bootstrapServers());
    }

    /** The Fashion-MNIST MLP on the services' default data, Adam, batch 32, a checkpoint every 20 epochs. */
    static TrainingJob.Builder fashionJob(String jobId, int epochs) {
        return TrainingJob.newBuilder()
                .setJobId(jobId)
                .setModel(ModelSpec.newBuilder().setPreset("fashion-mnist-mlp").build())
                .setDataset(DatasetSpec.newBuilder().setName("fashion-mnist").build())
                .setOptimizer(OptimizerSpec.newBuilder().setType(OptimizerType.ADAM).setLearningRate(1e-3).build())
                .setBatchSize(32)
                .setEpochs(epochs)
                .setCheckpoint(CheckpointPolicy.newBuilder().setEveryEpochs(20).build());
    }

    @Override
    public void close() {
        broker.close();
    }
}
