package dev.trainingplatform.ml.data;

import java.util.Arrays;

/** A growable byte array, for loaders that append raw pixels sample by sample. */
final class ByteList {

    private byte[] values = new byte[1 << 16];
    private int size;

    void addAll(byte[] more) {
        if (size + more.length > values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, size + more.length));
        }
        System.arraycopy(more, 0, values, size, more.length);
        size += more.length;
    }

    /** The backing array; valid up to the bytes added. */
    byte[] array() {
        return values;
    }
}
