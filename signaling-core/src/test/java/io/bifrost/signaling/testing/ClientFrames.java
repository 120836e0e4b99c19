package io.bifrost.signaling.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * What a hostile or broken client sends: JSON objects shaped like requests (known and unknown
 * types, the protocol's field names with values of every JSON kind), and arbitrary text.
 */
public final class ClientFrames {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final List<String> TYPES = List.of("offer", "answer", "candidate", "chat", "raise-hand", "lower-hand",
            "promote", "demote", "mute", "unpublish", "ping", "leave");
    private static final List<String> FIELDS = List.of("id", "to", "sdp", "candidate", "target", "text", "participantId",
            "muted", "from", "seq", "room", "sdpMid", "type");

    private ClientFrames() {}

    /** Request-shaped JSON objects, mostly of known types, with fields of any JSON kind. */
    public static Arbitrary<String> requests() {
        Arbitrary<String> type = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of(TYPES)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
        Arbitrary<Map<String, Object>> fields = Arbitraries.maps(Arbitraries.of(FIELDS), values()).ofMaxSize(5);
        return Combinators.combine(type, fields).as((t, f) -> {
            ObjectNode frame = JSON.createObjectNode().put("type", t);
            f.forEach((name, value) -> {
                if (!name.equals("type")) {
                    frame.set(name, JSON.valueToTree(value));
                }
            });
            return frame.toString();
        });
    }

    /** Anything: request-shaped objects, other JSON, and text that is no JSON at all. */
    public static Arbitrary<String> anything() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, requests()),
                net.jqwik.api.Tuple.of(1, values().map(value -> {
                    try {
                        return JSON.writeValueAsString(value);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                })),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(64)));
    }

    private static Arbitrary<Object> values() {
        return Arbitraries.lazyOf(
                () -> Arbitraries.strings().ofMaxLength(24).map(s -> (Object) s),
                () -> Arbitraries.of("p_000000000000", "sfu", "publisher", "subscriber", "").map(s -> (Object) s),
                () -> Arbitraries.longs().map(n -> (Object) n),
                () -> Arbitraries.doubles().map(d -> (Object) d),
                () -> Arbitraries.of(true, false).map(b -> (Object) b),
                () -> Arbitraries.just(null),
                () -> Arbitraries.strings().ofMaxLength(8).list().ofMaxSize(3).map(l -> (Object) l),
                () -> Arbitraries.maps(Arbitraries.of("candidate", "sdpMid", "sdpMLineIndex", "x"),
                        Arbitraries.strings().ofMaxLength(8)).ofMaxSize(3).map(m -> (Object) m));
    }
}
