package dev.trainingplatform.ml.checkpoint;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * What a job needs to go on after {@code epoch} exactly as if it had never stopped: the parameters,
 * the optimizer's state, and the best value and epoch of each tracked metric (early stopping's and the
 * best checkpoint's; {@code {NaN, 0}} where the job tracks none). The learning rate is a function of the
 * epoch (LearningRateSchedules). The rest is a function of (seed, epoch) and needs no saving: the data
 * order ({@link EpochShuffleSampler}) and the random streams of dropout and augmentation, which
 * {@link Training} reseeds at the start of every epoch.
 */
public record TrainingState(int epoch, byte[] parameters, byte[] optimizerState, double[] earlyStopping,
                            double[] bestCheckpoint) {

    private static final int MAGIC = 0x54505253; // "TPRS"
    /** Version 2 adds the trackers; version 1 (before them) is still read, with none. */
    private static final int VERSION = 2;
    private static final double[] NONE = {Double.NaN, 0};

    public TrainingState(int epoch, byte[] parameters, byte[] optimizerState) {
        this(epoch, parameters, optimizerState, NONE.clone(), NONE.clone());
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(parameters.length + optimizerState.length + 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(epoch);
            out.writeInt(parameters.length);
            out.write(parameters);
            out.writeInt(optimizerState.length);
            out.write(optimizerState);
            for (double[] tracker : new double[][] {earlyStopping, bestCheckpoint}) {
                out.writeDouble(tracker[0]);
                out.writeInt((int) tracker[1]);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a training state", e);
        }
        return bytes.toByteArray();
    }

    public static TrainingState fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw invalid("it is not a training state");
            }
            int version = in.readInt();
            if (version != 1 && version != VERSION) {
                throw invalid("it has version " + version + ", this trainer reads versions 1 and " + VERSION);
            }
            int epoch = in.readInt();
            byte[] parameters = readBlock(in, bytes.length);
            byte[] optimizer = readBlock(in, bytes.length);
            double[][] trackers = {NONE.clone(), NONE.clone()};
            if (version >= 2) {
                for (double[] tracker : trackers) {
                    tracker[0] = in.readDouble();
                    tracker[1] = in.readInt();
                }
            }
            if (epoch < 1 || in.read() != -1) {
                throw invalid("it is corrupt");
            }
            return new TrainingState(epoch, parameters, optimizer, trackers[0], trackers[1]);
        } catch (IOException e) {
            throw invalid("it is truncated");
        }
    }

    private static byte[] readBlock(DataInputStream in, int limit) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > limit) {
            throw invalid("it is corrupt");
        }
        byte[] block = new byte[length];
        in.readFully(block);
        return block;
    }

    private static JobRejectedException invalid(String why) {
        return new JobRejectedException(ErrorCode.CHECKPOINT_INVALID, "cannot resume from this training state: " + why);
    }
}
