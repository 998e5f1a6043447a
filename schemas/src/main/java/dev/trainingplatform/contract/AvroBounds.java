package dev.trainingplatform.contract;

import org.apache.avro.Schema;

/**
 * Walks an Avro binary body against its writer schema and refuses it when any string, bytes, array
 * or map claims more than the bytes that are left, before Avro's decoder allocates for the claim.
 *
 * <p>Why by hand: Avro's {@code BinaryDecoder} sizes a string's {@code Utf8} or a collection's list
 * from the length prefix before it reads a byte of content, so a 16-byte record claiming a string of
 * 2^31-16 bytes ran the evaluator out of heap. Avro's own guard, the {@code org.apache.avro.limits.*}
 * system properties, is process-wide, read once when the class loads, and bounds by a constant, not
 * by the input: a tiny record could still make every reader allocate up to the constant. Here a claim
 * is bounded by the record itself, so decoding never allocates more than a small multiple of the
 * record's size.
 */
final class AvroBounds {

    private final byte[] bytes;
    private int pos;

    private AvroBounds(byte[] bytes, int offset) {
        this.bytes = bytes;
        this.pos = offset;
    }

    /**
     * @throws UndecodableRecordException naming the field whose length or count cannot fit
     */
    static void check(Schema writer, byte[] bytes, int offset) {
        new AvroBounds(bytes, offset).walk(writer, writer.getName());
    }

    private int remaining() {
        return bytes.length - pos;
    }

    private void walk(Schema schema, String path) {
        switch (schema.getType()) {
            case NULL:
                return;
            case BOOLEAN:
                skip(1, path);
                return;
            case INT:
            case LONG:
            case ENUM:
                readLong(path);
                return;
            case FLOAT:
                skip(4, path);
                return;
            case DOUBLE:
                skip(8, path);
                return;
            case FIXED:
                skip(schema.getFixedSize(), path);
                return;
            case STRING:
            case BYTES:
                skip(length(path, "length"), path);
                return;
            case UNION: {
                long branch = readLong(path);
                if (branch < 0 || branch >= schema.getTypes().size()) {
                    throw refuse(path + ": union branch " + branch + " does not exist (the schema has "
                            + schema.getTypes().size() + ")");
                }
                walk(schema.getTypes().get((int) branch), path);
                return;
            }
            case RECORD:
                for (Schema.Field field : schema.getFields()) {
                    walk(field.schema(), path + "." + field.name());
                }
                return;
            case ARRAY:
                items(path, schema.getElementType(), null);
                return;
            case MAP:
                items(path, schema.getValueType(), Schema.create(Schema.Type.STRING));
                return;
            default:
                throw refuse(path + ": unsupported Avro type " + schema.getType());
        }
    }

    /** An array's or a map's blocks: each item takes at least one byte, so no count exceeds what is left. */
    private void items(String path, Schema item, Schema key) {
        while (true) {
            long count = readLong(path);
            if (count == 0) {
                return;
            }
            if (count < 0) {
                count = -count;
                readLong(path); // the block's size in bytes, which a reader may use to skip it
            }
            if (count > remaining()) {
                throw refuse(path + " claims " + count + " items but only " + remaining() + " bytes are left");
            }
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    walk(key, path + " key");
                }
                walk(item, path + "[" + i + "]");
            }
        }
    }

    private int length(String path, String what) {
        long n = readLong(path);
        if (n < 0 || n > remaining()) {
            throw refuse(path + " claims a " + what + " of " + n + " bytes but only " + remaining() + " are left");
        }
        return (int) n;
    }

    private void skip(int n, String path) {
        if (n > remaining()) {
            throw refuse(path + ": the record ends " + (n - remaining()) + " bytes early");
        }
        pos += n;
    }

    /** Avro's zig-zag variable-length long, at most 10 bytes. */
    private long readLong(String path) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= bytes.length) {
                throw refuse(path + ": the record ends inside a number");
            }
            int b = bytes[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw refuse(path + ": a number longer than 10 bytes");
    }

    private static UndecodableRecordException refuse(String why) {
        return new UndecodableRecordException("corrupt Avro body: " + why);
    }
}
