package io.fleetml.mlflow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.mlflow_project.google.protobuf.ByteString;
import org.mlflow_project.google.protobuf.Descriptors.EnumValueDescriptor;
import org.mlflow_project.google.protobuf.Descriptors.FieldDescriptor;
import org.mlflow_project.google.protobuf.MessageOrBuilder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * MLflow's REST JSON of its messages, as MLflow's server writes it: protobuf's JSON mapping with the fields' own
 * names ({@code run_id}, not {@code runId}), set fields only, in field-number order, and 64-bit integers as JSON
 * numbers (MLflow's server turns protobuf's quoted int64 back into numbers; its clients and protobuf's own parser read
 * both). Written straight to a stream: a page of a thousand runs is not built as a tree first.
 */
public final class ProtoJson {
    private static final JsonFactory JSON = new JsonFactory();

    private ProtoJson() {
    }

    /** {@code message} as MLflow's JSON. */
    public static byte[] bytes(MessageOrBuilder message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        write(message, out);
        return out.toByteArray();
    }

    /** Writes {@code message} as MLflow's JSON to {@code out}, which stays open. */
    public static void write(MessageOrBuilder message, OutputStream out) {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            message(g, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code message} as one JSON object into {@code g}. */
    public static void message(JsonGenerator g, MessageOrBuilder message) throws IOException {
        g.writeStartObject();
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            g.writeFieldName(f.getName());
            if (f.isMapField()) {
                g.writeStartObject();
                for (Object entry : (List<?>) e.getValue()) {
                    MessageOrBuilder m = (MessageOrBuilder) entry;
                    FieldDescriptor key = m.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor value = m.getDescriptorForType().findFieldByName("value");
                    g.writeFieldName(String.valueOf(m.getField(key)));
                    value(g, value, m.getField(value));
                }
                g.writeEndObject();
            } else if (f.isRepeated()) {
                g.writeStartArray();
                for (Object v : (List<?>) e.getValue()) {
                    value(g, f, v);
                }
                g.writeEndArray();
            } else {
                value(g, f, e.getValue());
            }
        }
        g.writeEndObject();
    }

    private static void value(JsonGenerator g, FieldDescriptor f, Object v) throws IOException {
        switch (f.getJavaType()) {
            case INT -> {
                if (f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32) {
                    g.writeNumber(Integer.toUnsignedLong((Integer) v));
                } else {
                    g.writeNumber((Integer) v);
                }
            }
            case LONG -> {
                if (f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64) {
                    g.writeNumber(new java.math.BigInteger(Long.toUnsignedString((Long) v)));
                } else {
                    g.writeNumber((Long) v);
                }
            }
            case FLOAT -> real(g, (Float) v);
            case DOUBLE -> real(g, (Double) v);
            case BOOLEAN -> g.writeBoolean((Boolean) v);
            case STRING -> g.writeString((String) v);
            case BYTE_STRING -> g.writeString(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
            case ENUM -> g.writeString(((EnumValueDescriptor) v).getName());
            case MESSAGE -> message(g, (MessageOrBuilder) v);
        }
    }

    /** Protobuf's JSON of a double: a number, or "NaN", "Infinity", "-Infinity". */
    private static void real(JsonGenerator g, double v) throws IOException {
        if (Double.isNaN(v)) {
            g.writeString("NaN");
        } else if (Double.isInfinite(v)) {
            g.writeString(v > 0 ? "Infinity" : "-Infinity");
        } else {
            g.writeNumber(v);
        }
    }
}
