package dev.trainingplatform.dashboard;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * A contract record as plain JSON values for the browser: field names as in the schema, unions as
 * their value, enums as their symbol, timestamps as epoch milliseconds, bytes left out.
 *
 * <p>Why not Avro's own JSON encoder: it wraps every union value in its branch's type
 * ({@code {"double": 0.87}}), which every script on the page would have to unwrap.
 */
final class AvroMaps {

    private AvroMaps() {}

    static Map<String, Object> of(IndexedRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Schema.Field f : record.getSchema().getFields()) {
            Object v = value(record.get(f.pos()));
            if (v != OMITTED) {
                out.put(f.name(), v);
            }
        }
        return out;
    }

    private static final Object OMITTED = new Object();

    private static Object value(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof CharSequence || v instanceof Enum<?> || v instanceof GenericEnumSymbol<?>) {
            return v.toString();
        }
        if (v instanceof Instant t) {
            return t.toEpochMilli();
        }
        if (v instanceof IndexedRecord r) {
            return of(r);
        }
        if (v instanceof ByteBuffer) {
            return OMITTED;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(value(item));
            }
            return out;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, item) -> out.put(k.toString(), value(item)));
            return out;
        }
        return v.toString();
    }
}
