package io.fleetml.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fleetml.store.SessionRecord;
import io.fleetml.store.RecordJson;
import io.fleetml.train.TrainOutcome;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The {@code --json} forms of {@code sessions} and {@code devices}, for scripts: snake_case keys, metrics as
 * numbers or null, one document per command. Device listings are streamed, however many devices there are. The shapes
 * are {@link RecordJson}'s, which the HTTP API uses too.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    static Map<String, Object> session(SessionRecord s) {
        return RecordJson.session(s);
    }

    static void device(JsonGenerator g, TrainOutcome o) throws IOException {
        RecordJson.device(g, o);
    }

    static void print(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
