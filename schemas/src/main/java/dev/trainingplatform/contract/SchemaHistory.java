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
