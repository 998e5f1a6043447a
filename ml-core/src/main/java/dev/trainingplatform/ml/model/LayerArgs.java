package dev.trainingplatform.ml.model;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.contract.Layer;
import dev.trainingplatform.ml.JobRejectedException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Typed, validated access to one layer's arguments; every problem names the layer. */
final class LayerArgs {

    private final int index;
    private final String type;
    private final Map<String, Object> args;
    private final Set<String> read = new HashSet<>();

    LayerArgs(int index, Layer layer) {
        this.index = index;
        this.type = layer.getType();
        this.args = layer.getArgs() == null ? Map.of() : layer.getArgs();
    }

    String type() {
        return type;
    }

    String where() {
        return "layer " + index + " (" + type + ")";
    }

    JobRejectedException invalid(String problem) {
        return new JobRejectedException(ErrorCode.INVALID_MODEL, where() + ": " + problem);
    }

    long positiveInt(String name) {
        Object v = required(name);
        // An integral double is the integer: Python's avro package writes 128 in a
        // ["long", "double", ...] union as 128.0 (it picks the last branch that fits).
        if (v instanceof Double d && Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e18) {
            v = d.longValue();
        }
        if (!(v instanceof Long l)) {
            throw invalid("argument '" + name + "' must be an integer, got " + describe(v));
        }
        if (l <= 0 || l > Integer.MAX_VALUE) {
            throw invalid("argument '" + name + "' must be a positive integer, got " + l);
        }
        return l;
    }

    long positiveInt(String name, long fallback) {
        return args.containsKey(name) ? positiveInt(name) : mark(name, fallback);
    }

    double number(String name) {
        Object v = required(name);
        double d;
        if (v instanceof Long l) {
            d = l;
        } else if (v instanceof Double x) {
            d = x;
        } else {
            throw invalid("argument '" + name + "' must be a number, got " + describe(v));
        }
        if (!Double.isFinite(d)) {
            throw invalid("argument '" + name + "' must be finite, got " + d);
        }
        return d;
    }

    double number(String name, double fallback) {
        return args.containsKey(name) ? number(name) : mark(name, fallback);
    }

    double fraction(String name, double fallback) {
        double d = number(name, fallback);
        if (d < 0 || d >= 1) {
            throw invalid("argument '" + name + "' must be in [0, 1), got " + d);
        }
        return d;
    }

    boolean flag(String name, boolean fallback) {
        if (!args.containsKey(name)) {
            return mark(name, fallback);
        }
        Object v = required(name);
        if (!(v instanceof Boolean b)) {
            throw invalid("argument '" + name + "' must be true or false, got " + describe(v));
        }
        return b;
    }

    String choice(String name, String fallback, String... allowed) {
        String v = fallback;
        if (args.containsKey(name)) {
            Object o = required(name);
            if (!(o instanceof CharSequence s)) {
                throw invalid("argument '" + name + "' must be one of " + List.of(allowed) + ", got " + describe(o));
            }
            v = s.toString();
        } else {
            read.add(name);
        }
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v)) {
                return a;
            }
        }
        throw invalid("argument '" + name + "' must be one of " + List.of(allowed) + ", got '" + v + "'");
    }

    @SuppressWarnings("unchecked")
    double[] numbers(String name) {
        Object v = required(name);
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            throw invalid("argument '" + name + "' must be a non-empty list of numbers, got " + describe(v));
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((List<Double>) list).get(i);
            if (!Double.isFinite(out[i])) {
                throw invalid("argument '" + name + "' must hold finite numbers, got " + out[i]);
            }
        }
        return out;
    }

    /** Unknown arguments are errors: a misspelt argument silently ignored is a wrong model. */
    void rejectUnknown() {
        for (String name : args.keySet()) {
            if (!read.contains(name)) {
                throw invalid("unknown argument '" + name + "'");
            }
        }
    }

    private Object required(String name) {
        read.add(name);
        Object v = args.get(name);
        if (v == null) {
            throw invalid("missing argument '" + name + "'");
        }
        return v;
    }

    private <T> T mark(String name, T fallback) {
        read.add(name);
        return fallback;
    }

    private static String describe(Object v) {
        return v instanceof CharSequence ? "'" + v + "'" : String.valueOf(v);
    }
}
