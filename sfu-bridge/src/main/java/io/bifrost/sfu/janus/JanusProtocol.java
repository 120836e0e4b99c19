package io.bifrost.sfu.janus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.sfu.SfuEvent;
import io.bifrost.sfu.SfuException;
import io.bifrost.sfu.Direction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The Janus WebSocket API's vocabulary: reading its replies and events, and turning failures into
 * {@link SfuException}s. Pure functions, so the parsing is tested without a Janus.
 */
final class JanusProtocol {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String VIDEOROOM = "janus.plugin.videoroom";

    private JanusProtocol() {}

    /** The error a reply carries, core ({@code janus:error}) or plugin ({@code plugindata.data.error_code}). */
    static Optional<JanusException> error(JsonNode message) {
        if ("error".equals(message.path("janus").asText())) {
            JsonNode error = message.path("error");
            return Optional.of(new JanusException(error.path("code").asInt(), error.path("reason").asText("no reason given")));
        }
        JsonNode data = pluginData(message);
        if (data.has("error_code")) {
            return Optional.of(new JanusException(data.path("error_code").asInt(), data.path("error").asText("no reason given")));
        }
        return Optional.empty();
    }

    /** {@code plugindata.data}, or a missing node. */
    static JsonNode pluginData(JsonNode message) {
        return message.path("plugindata").path("data");
    }

    /** The SDP of the message's {@code jsep} if it has one of that type. */
    static Optional<String> sdp(JsonNode message, String type) {
        JsonNode jsep = message.path("jsep");
        return type.equals(jsep.path("type").asText()) && jsep.hasNonNull("sdp")
                ? Optional.of(jsep.path("sdp").asText()) : Optional.empty();
    }

    /**
     * The subscriber offer of a message, each section labelled with the participant whose audio
     * it carries: its {@code msid} becomes {@code <participant id> <participant id>-audio}, from
     * the {@code streams} Janus lists beside the offer (a feed is a participant). Janus would keep
     * each publisher's own msid, whose ids the publisher's WebRTC made up, and the clients could
     * not tell whose audio a track is.
     */
    static Optional<String> subscriberOffer(JsonNode message) {
        Map<String, String> feedByMid = new HashMap<>();
        for (JsonNode stream : pluginData(message).path("streams")) {
            if (stream.hasNonNull("mid") && stream.hasNonNull("feed_id")) {
                feedByMid.put(stream.path("mid").asText(), stream.path("feed_id").asText());
            }
        }
        return sdp(message, "offer").map(sdp -> labelled(sdp, feedByMid));
    }

    /** The SDP with the msid of each section whose mid is a key replaced by the participant it maps to. */
    static String labelled(String sdp, Map<String, String> participantByMid) {
        String eol = sdp.contains("\r\n") ? "\r\n" : "\n";
        StringBuilder out = new StringBuilder(sdp.length() + 64 * participantByMid.size());
        List<String> section = new ArrayList<>();
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=")) {
                appendLabelled(section, participantByMid, eol, out);
            }
            section.add(line);
        }
        appendLabelled(section, participantByMid, eol, out);
        return out.toString();
    }

    private static void appendLabelled(List<String> section, Map<String, String> participantByMid, String eol, StringBuilder out) {
        String participant = null;
        for (String line : section) {
            if (line.startsWith("a=mid:")) {
                participant = participantByMid.get(line.substring("a=mid:".length()).trim());
            }
        }
        for (String line : section) {
            boolean msid = line.startsWith("a=msid:") || (line.startsWith("a=ssrc:") && line.contains(" msid:"));
            if (participant != null && msid) {
                continue;
            }
            out.append(line).append(eol);
            if (participant != null && line.startsWith("a=mid:")) {
                out.append("a=msid:").append(participant).append(' ').append(participant).append("-audio").append(eol);
            }
        }
        section.clear();
    }

    static ObjectNode jsep(String type, String sdp) {
        return JSON.createObjectNode().put("type", type).put("sdp", sdp);
    }

    /**
     * What an event Janus sent on its own about a handle means to the endpoint it belongs to, if
     * anything. Subscriber offers (a renegotiation after a publisher left) are handled by the bridge.
     */
    static Optional<SfuEvent> endpointEvent(JsonNode message, Direction direction) {
        switch (message.path("janus").asText()) {
            case "webrtcup":
                return Optional.of(new SfuEvent.MediaChanged(direction, true));
            case "media":
                // one per stream and direction: our broadcasts carry a single audio stream
                return Optional.of(new SfuEvent.MediaChanged(direction, message.path("receiving").asBoolean()));
            case "hangup":
                return Optional.of(new SfuEvent.MediaChanged(direction, false));
            case "slowlink":
                return Optional.of(new SfuEvent.SlowLink(direction, message.path("uplink").asBoolean(),
                        message.path("lost").asInt()));
            case "trickle":
                JsonNode candidate = message.path("candidate");
                if (candidate.path("completed").asBoolean(false)) {
                    return Optional.of(new SfuEvent.Candidate(direction, null));
                }
                return candidate.isObject()
                        ? Optional.of(new SfuEvent.Candidate(direction, candidate.toString()))
                        : Optional.empty();
            default:
                return Optional.empty();
        }
    }

    /** Janus's trickle payload for a browser candidate (JSON of an RTCIceCandidateInit), or end-of-candidates. */
    static JsonNode trickleCandidate(String candidateJson) {
        if (candidateJson == null) {
            return JSON.createObjectNode().put("completed", true);
        }
        try {
            JsonNode candidate = JSON.readTree(candidateJson);
            if (!candidate.isObject() || !candidate.hasNonNull("candidate")) {
                throw new SfuException(SfuException.Reason.REFUSED, "not an ICE candidate: " + candidateJson);
            }
            if (candidate.path("candidate").asText().isEmpty()) {
                // browsers signal end-of-candidates with an empty candidate string
                return JSON.createObjectNode().put("completed", true);
            }
            return candidate;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SfuException(SfuException.Reason.REFUSED, "not JSON: " + candidateJson, e);
        }
    }

    /** Any failure of a request chain as the SPI reports it. */
    static SfuException toSfu(Throwable failure, String context) {
        Throwable cause = unwrap(failure);
        if (cause instanceof SfuException sfu) {
            return sfu;
        }
        if (cause instanceof JanusException janus) {
            return janus.toSfu(context);
        }
        return new SfuException(SfuException.Reason.UNAVAILABLE, context + ": " + cause, cause);
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Whether the failure is Janus's error {@code code}. */
    static boolean isJanusError(Throwable failure, int code) {
        return unwrap(failure) instanceof JanusException janus && janus.code() == code;
    }
}
