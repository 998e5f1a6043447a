package dev.trainingplatform.trainer;

import dev.trainingplatform.ml.data.DataSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "trainer")
public interface TrainerConfig {

    /**
     * One epoch of a small model at start-up, before the first job, so that job does not pay
     * libtorch's load and the first compiled step (TrainerWarmUp).
     */
    @WithDefault("true")
    boolean warmUp();

    /** Names this instance in status events; defaults to the host name. */
    Optional<String> instanceId();

    Data data();

    Limits limits();

    CheckpointStore checkpoint();

    Health health();

    Resume resume();

    Queue queue();

    Sweeps sweeps();

    /** Hyperparameter sweeps: requests on training.sweeps expanded into trial jobs ({@code SweepExpander}). */
    interface Sweeps {
        /** Whether this trainer expands sweeps (any one of the trainers does each). */
        @WithDefault("true")
        boolean enabled();

        /** The expanders' consumer group; also the prefix of each trainer's transactional id. */
        @WithDefault("sweep-expander")
        String group();

        /**
         * How long the broker keeps the transaction of a trainer that died while expanding before
         * aborting it. The job queues read committed records only, so until then they hand out no job
         * published after the open transaction began: keep it short.
         */
        @WithDefault("PT15S")
        java.time.Duration transactionTimeout();

        /** For the end-to-end test of a trainer dying mid-expansion only: halt after this many trials. */
        Optional<Integer> testHaltAfterTrials();
    }

    /** The job queues: the job topics read as one share group ({@code JobQueues}). */
    interface Queue {
        /** The trainers' share group: every trainer of one platform uses the same. */
        @WithDefault("trainer")
        String group();

        /**
         * How long a trainer that stopped renewing keeps its job from the others: the share group's
         * record lock, set at startup. Trainers renew every sixth of it. Brokers allow 15 s to 60 s
         * unless their group.share.min/max.record.lock.duration.ms say otherwise.
         */
        @WithDefault("PT30S")
        java.time.Duration lockDuration();
    }

    interface Resume {
        /**
         * Resume points are saved at every checkpoint and, between checkpoints, once this much
         * training time has passed since the last one; zero: at checkpoints only.
         */
        @WithDefault("PT1M")
        java.time.Duration interval();
    }

    interface Health {
        /** Liveness turns DOWN when a running job finishes no batch for this long. */
        @WithDefault("PT30M")
        java.time.Duration stuckAfter();
    }

    interface Data extends DataSettings {
        /**
         * The data set of the last job is kept for the next job asking for the same one when it
         * takes at most this many bytes (features and labels as float32); 0 keeps none. One data set
         * at most (LoadedDataCache).
         */
        long keepLoadedMaxBytes();
    }

    /**
     * Per-job ceilings. Their defaults are JobLimits.defaults(), written with their environment
     * overrides in application.properties (TRAINER_MAX_EPOCHS, ...); JobLimitsDefaultsTest holds the
     * two equal.
     */
    interface Limits {
        int maxEpochs();

        int maxBatchSize();

        long maxParameters();

        /** Largest checkpoint (parameters as float32) a job may produce. */
        long maxCheckpointBytes();

        /** Largest data set (train and test features as float32 in memory) a job may load. */
        long maxDatasetBytes();

        /** Longest layer list a job may have (checked before the data is read). */
        int maxLayers();

        /**
         * Deliveries of one job (the first and those after a crashed or stopped trainer) before it is
         * given up; 1 to 9, as the share group's delivery count limit is one more and brokers cap it at 10.
         */
        @WithDefault("3")
        int maxAttempts();
    }

    interface CheckpointStore {
        /** Parameters up to this size travel inline in the Checkpoint record. */
        @WithDefault("50000000")
        int inlineMaxBytes();

        /** Where larger parameter files are written; must be readable by the evaluators. */
        String directory();
    }
}
