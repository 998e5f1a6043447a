package dev.trainingplatform.ml.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.djl.util.RandomUtils;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Training-time image augmentation as a layer, like Keras' preprocessing layers: a random horizontal
 * flip (probability 1/2) or a random resized crop (torchvision's algorithm: an area fraction in
 * [scaleMin, scaleMax] and an aspect ratio, log-uniform in [ratioMin, ratioMax], resized back
 * bilinearly). Identity when not training, so evaluation sees the images as they are. Randomness
 * comes from DJL's RandomUtils, which the job's seed seeds.
 */
final class RandomImageAugmentation extends AbstractBlock {

    private final boolean flip;
    private final double scaleMin;
    private final double scaleMax;
    private final double ratioMin;
    private final double ratioMax;

    private RandomImageAugmentation(boolean flip, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        this.flip = flip;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.ratioMin = ratioMin;
        this.ratioMax = ratioMax;
    }

    static RandomImageAugmentation horizontalFlip() {
        return new RandomImageAugmentation(true, 1, 1, 1, 1);
    }

    static RandomImageAugmentation resizedCrop(double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        return new RandomImageAugmentation(false, scaleMin, scaleMax, ratioMin, ratioMax);
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (!training) {
            return inputs;
        }
        NDArray x = inputs.singletonOrThrow();
        long[] s = x.getShape().getShape();
        int n = (int) s[0];
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[] in = x.toFloatArray();
        float[] out = new float[in.length];
        Random random = RandomUtils.RANDOM;
        int plane = h * w;
        // The draws in sample order, so the seed decides them; the pixels in parallel (the step's
        // native threads are idle while this runs).
        boolean[] mirror = new boolean[n];
        int[][] boxes = new int[n][];
        for (int i = 0; i < n; i++) {
            if (flip) {
                mirror[i] = random.nextBoolean();
            } else {
                boxes[i] = cropBox(h, w, random);
            }
        }
        IntStream.range(0, n).parallel().forEach(i -> {
            int base = i * c * plane;
            if (flip) {
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < h; y++) {
                        int row = base + ch * plane + y * w;
                        for (int xx = 0; xx < w; xx++) {
                            out[row + xx] = in[row + (mirror[i] ? w - 1 - xx : xx)];
                        }
                    }
                }
            } else {
                resize(in, out, base, c, h, w, boxes[i]);
            }
        });
        return new NDList(x.getManager().create(out, x.getShape()));
    }

    /** {top, left, height, width} of the crop, as torchvision chooses it. */
    private int[] cropBox(int h, int w, Random random) {
        double area = (double) h * w;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scaleMin + random.nextDouble() * (scaleMax - scaleMin));
            double ratio = Math.exp(logMin + random.nextDouble() * (logMax - logMin));
            int cw = (int) Math.round(Math.sqrt(target * ratio));
            int ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
                return new int[] {random.nextInt(h - ch + 1), random.nextInt(w - cw + 1), ch, cw};
            }
        }
        return new int[] {0, 0, h, w};
    }

    /** Bilinear resize of the crop box back to h x w (align_corners=false). */
    private static void resize(float[] in, float[] out, int base, int c, int h, int w, int[] box) {
        int plane = h * w;
        double sy = (double) box[2] / h;
        double sx = (double) box[3] / w;
        for (int y = 0; y < h; y++) {
            double fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), box[2] - 1);
            int y0 = (int) fy;
            int y1 = Math.min(y0 + 1, box[2] - 1);
            double dy = fy - y0;
            for (int x = 0; x < w; x++) {
                double fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), box[3] - 1);
                int x0 = (int) fx;
                int x1 = Math.min(x0 + 1, box[3] - 1);
                double dx = fx - x0;
                for (int ch = 0; ch < c; ch++) {
                    int p = base + ch * plane;
                    int r0 = p + (box[0] + y0) * w + box[1];
                    int r1 = p + (box[0] + y1) * w + box[1];
                    double top = in[r0 + x0] * (1 - dx) + in[r0 + x1] * dx;
                    double bottom = in[r1 + x0] * (1 - dx) + in[r1 + x1] * dx;
                    out[p + y * w + x] = (float) (top * (1 - dy) + bottom * dy);
                }
            }
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
