package dev.trainingplatform.ml.data;

import java.util.Arrays;

/** A growable float array: loaders fill one flat array without boxing a value per sample. */
final class FloatList {

    private float[] values = new float[1024];
    private int size;

    void add(float v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    int size() {
        return size;
    }

    float[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
