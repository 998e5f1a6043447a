package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

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
        byte[] bytes;
        try {
            bytes = readMaybeGzipped(file);
        } catch (IOException e) {
            throw new JobRejectedException(ErrorCode.DATA_CORRUPT, "cannot read " + file + ": " + e.getMessage());
        }
        return parse(bytes, file.toString());
    }

    static IdxFile parse(byte[] bytes, String name) {
        if (bytes.length < 4) {
            throw corrupt(name, "too short for an IDX header (" + bytes.length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int magic = buf.getInt();
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != 0x08) {
            throw corrupt(name, String.format("not an unsigned-byte IDX file (magic 0x%08x)", magic));
        }
        int n = magic & 0xff;
        if (n < 1 || n > 4 || bytes.length < 4 + 4L * n) {
            throw corrupt(name, "bad IDX header (" + n + " dimensions)");
        }
        int[] dims = new int[n];
        long expected = 1;
        for (int i = 0; i < n; i++) {
            dims[i] = buf.getInt();
            if (dims[i] <= 0) {
                throw corrupt(name, "IDX dimension " + i + " is " + dims[i]);
            }
            expected *= dims[i];
        }
        long actual = bytes.length - 4L - 4L * n;
        if (actual != expected) {
            throw corrupt(name, "IDX header announces " + expected + " bytes of data but the file holds " + actual
                    + (actual < expected ? " (truncated?)" : ""));
        }
        byte[] data = new byte[(int) expected];
        buf.get(data);
        return new IdxFile(dims, data);
    }

    private static byte[] readMaybeGzipped(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 4);
                in.transferTo(out);
                return out.toByteArray();
            } catch (java.io.EOFException e) {
                throw new IOException("gzip stream ends early (truncated file)");
            }
        }
        return raw;
    }

    private static JobRejectedException corrupt(String name, String why) {
        return new JobRejectedException(ErrorCode.DATA_CORRUPT, name + ": " + why);
    }
}
