package dev.trainingplatform.contract;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;

/**
 * Every released version of a contract record, oldest first, as kept in {@code avro/history/<Record>/vN.avsc}
 * (each file self-contained). Readers know all of them, so a record written by an older or newer client
 * decodes into today's classes; the rules for changing a schema are in schemas/README.md.
 */
public final class SchemaHistory {

    private SchemaHistory() {}

    /** v1, v2, ... of the record named {@code name}, from the classpath. */
    public static List<Schema> versions(String name) {
        List<Schema> versions = new ArrayList<>();
        for (int v = 1; ; v++) {
            try (InputStream in = SchemaHistory.class.getResourceAsStream("/avro/history/" + name + "/v" + v + ".avsc")) {
                if (in == null) {
                    return versions;
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read version " + v + " of " + name, e);
            }
        }
    }

    /**
     * {@code record} in single-object encoding as a client built against version {@code version} of
     * its schema writes it: resolved to that version (fields it does not have are dropped), then
     * encoded with it. For tests of old and new clients, and for a producer that must still reach
     * readers that only know an older version.
     */
    public static byte[] encodeAs(org.apache.avro.specific.SpecificRecord record, int version) {
        Schema current = record.getSchema();
        Schema target = versions(current.getName()).get(version - 1);
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
            new org.apache.avro.specific.SpecificDatumWriter<>(current).write(record, encoder);
            encoder.flush();
            org.apache.avro.generic.GenericRecord asOld = new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(
                    current, target).read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                    org.apache.avro.generic.GenericData.get(), target).encode(asOld, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + current.getName() + " as version " + version, e);
        }
    }

    /** The CRC-64-AVRO fingerprint of a schema's Parsing Canonical Form: what single-object encoding carries. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    public static String hex(long fingerprint) {
        return String.format("%016x", fingerprint);
    }

    /**
     * What keeps {@code versions} from being fully transitively compatible: every version must read
     * what every other version wrote, in both directions. Empty when they are.
     */
    public static List<String> incompatibilities(List<Schema> versions) {
        List<String> problems = new ArrayList<>();
        for (int w = 0; w < versions.size(); w++) {
            for (int r = 0; r < versions.size(); r++) {
                if (w == r) {
                    continue;
                }
                var result = SchemaCompatibility.checkReaderWriterCompatibility(versions.get(r), versions.get(w));
                if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    problems.add("v" + (r + 1) + " cannot read what v" + (w + 1) + " wrote: "
                            + result.getResult().getIncompatibilities().stream()
                                    .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")").toList());
                }
            }
        }
        return problems;
    }
}
