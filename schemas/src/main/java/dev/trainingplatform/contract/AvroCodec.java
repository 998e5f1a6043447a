package dev.trainingplatform.contract;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (marker C3 01, 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer schema, then Avro binary) for one record type. Any Avro library can decode it with the
 * published .avsc files, without a schema registry.
 */
public final class AvroCodec<T extends SpecificRecord> {

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final Schema schema;
    private final long fingerprint;
    /** Every writer schema this codec reads, by fingerprint: the released versions and the current one. */
    private final Map<Long, Schema> writers = new LinkedHashMap<>();

    private AvroCodec(Class<T> type) {
        this.type = type;
        SpecificData model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        for (Schema version : SchemaHistory.versions(type.getSimpleName())) {
            writers.put(SchemaHistory.fingerprint(version), version);
            // Avro resolves a record written with an older or newer version to the current classes.
            decoder.addSchema(version);
        }
        writers.put(fingerprint, schema);
    }

    public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
        return new AvroCodec<>(type);
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            return Arrays.copyOfRange(buffer.array(), buffer.arrayOffset() + buffer.position(),
                    buffer.arrayOffset() + buffer.limit());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Decodes one record, or throws {@link UndecodableRecordException} saying why in plain words. */
    public T decode(byte[] bytes) {
        String what = type.getSimpleName();
        if (bytes == null || bytes.length == 0) {
            throw new UndecodableRecordException("empty record value, expected an Avro single-object encoded " + what);
        }
        if (bytes.length < 10 || (bytes[0] & 0xff) != 0xC3 || bytes[1] != 0x01) {
            throw new UndecodableRecordException("not Avro single-object encoding (no C3 01 marker), expected " + what);
        }
        Schema writer = writers.get(writerFingerprint(bytes));
        if (writer == null) {
            throw new UndecodableRecordException("unknown writer schema fingerprint " + fingerprintHex(bytes)
                    + ", expected " + what + " with one of the fingerprints " + knownFingerprints()
                    + " (schemas/README.md lists them). A client that built the schema from the .avsc files should "
                    + "get one of these; Python's avro package computes a different Parsing Canonical Form for "
                    + "schemas with logical types (it keeps {\"type\":\"long\",\"logicalType\":...} where the "
                    + "specification has \"long\"): write the fingerprint from the table instead");
        }
        // Every length and count must fit in the record before Avro allocates for it.
        AvroBounds.check(writer, bytes, 10);
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new UndecodableRecordException("unknown writer schema fingerprint "
                    + fingerprintHex(bytes) + ", expected " + what + " with one of the fingerprints " + knownFingerprints());
        } catch (BadHeaderException e) {
            throw new UndecodableRecordException("bad Avro single-object header: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException("corrupt Avro body for " + what + ": " + e);
        }
    }

    public Schema schema() {
        return schema;
    }

    /** The fingerprints of every version this codec reads, oldest first, as "v1 4099dc5bf089a2d1, ...". */
    public String knownFingerprints() {
        List<String> known = new ArrayList<>();
        int v = 1;
        for (long f : writers.keySet()) {
            known.add((f == fingerprint ? "v" + v + " (current) " : "v" + v + " ") + SchemaHistory.hex(f));
            v++;
        }
        return String.join(", ", known);
    }

    private static long writerFingerprint(byte[] bytes) {
        long f = 0;
        for (int i = 9; i >= 2; i--) {
            f = (f << 8) | (bytes[i] & 0xff);
        }
        return f;
    }

    private static String fingerprintHex(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 9; i >= 2; i--) {
            hex.append(String.format("%02x", bytes[i]));
        }
        return hex.toString();
    }
}
