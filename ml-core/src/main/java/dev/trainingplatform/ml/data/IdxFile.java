package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reader for the IDX format of (Fashion-)MNIST: magic 0x0000TTDD (TT = 0x08 unsigned bytes,
 * DD = number of dimensions), DD big-endian int32 sizes, then the data. Gzipped or plain.
 */
public final class IdxFile {

    private final int[] dims;
    private final byte[] data;

    private IdxFile(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    public int[] dims() {
        return dims.clone();
    }

    public byte[] data() {
        return data;
    }

    public static IdxFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "data file not found: " + file);
        }
        try (InputStream in = DataFiles.openMaybeGzipped(file)) {
            return parse(in, file.toString(), DataFiles.MAX_FILE_BYTES);
        } catch (java.io.EOFException e) {
            throw corrupt(file.toString(), "the file ends before the data its IDX header announces (truncated?)");
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "cannot read " + file + ": " + DataFiles.describe(e));
        }
    }

    static IdxFile parse(byte[] bytes, String name) {
        try {
            return parse(new java.io.ByteArrayInputStream(bytes), name, DataFiles.MAX_FILE_BYTES);
        } catch (java.io.EOFException e) {
            throw corrupt(name, "the file ends before the data its IDX header announces (truncated?)");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Streams: the header is read first and the data's size checked against {@code maxDataBytes}
     * before it is allocated, so a gzip bomb or a header claiming 2^31 images costs a few bytes read.
     */
    static IdxFile parse(InputStream input, String name, long maxDataBytes) throws IOException {
        java.io.DataInputStream in = new java.io.DataInputStream(input);
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw corrupt(name, "too short for an IDX header (" + head.length + " bytes)");
        }
        int magic = ByteBuffer.wrap(head).getInt();
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != 0x08) {
            // The bytes found are not echoed: a downloaded file's content stays out of error messages.
            throw corrupt(name, "not an unsigned-byte IDX file (its first bytes are not 0x00 0x00 0x08 and a dimension count)");
        }
        int n = magic & 0xff;
        if (n < 1 || n > 4) {
            throw corrupt(name, "bad IDX header (" + n + " dimensions)");
        }
        int[] dims = new int[n];
        long expected = 1;
        for (int i = 0; i < n; i++) {
            dims[i] = in.readInt();
            if (dims[i] <= 0) {
                throw corrupt(name, "IDX dimension " + i + " is " + dims[i]);
            }
            expected = Math.multiplyExact(expected, (long) dims[i]);
        }
        if (expected > maxDataBytes) {
            throw new JobRejectedException(ErrorCode.LIMIT_EXCEEDED, name + ": the IDX header announces " + expected
                    + " bytes of data, more than the " + maxDataBytes + " this service reads from one file");
        }
        byte[] data = new byte[(int) expected];
        in.readFully(data);
        if (in.read() != -1) {
            throw corrupt(name, "the file holds more than the " + expected + " bytes of data its IDX header announces");
        }
        return new IdxFile(dims, data);
    }

    private static JobRejectedException corrupt(String name, String why) {
        return new JobRejectedException(ErrorCode.DATA_CORRUPT, name + ": " + why);
    }
}
