package io.bifrost.signaling.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Protocol v1 JSON codec, both directions (the server decodes client messages and encodes
 * server messages; tests and tools do the reverse). Thread-safe.
 */
public final class Codec {
    public static final int PROTOCOL_VERSION = 1;
    /** Client-chosen request ids are echoed back and logged: keep them short. */
    public static final int MAX_ID_LENGTH = 64;
    /** A chat line, not a document; larger payloads belong to a data channel or the REST API. */
    public static final int MAX_CHAT_LENGTH = 4096;
    /** Participant ids are 14 characters; anything much longer is not one of ours. */
    private static final int MAX_PARTICIPANT_ID_LENGTH = 64;
    /** Deeper nesting than this is never a valid message, only a parser stress attempt. */
    private static final int MAX_NESTING_DEPTH = 16;

    private final ObjectMapper mapper;
    private final JsonFactory factory;

    public Codec() {
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
        // One message per frame: trailing content would otherwise be silently ignored.
        this.mapper = new ObjectMapper(factory).enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    // ---------------------------------------------------------------- client -> server

    public ClientMessage decodeClient(String text) throws ProtocolException {
        ObjectNode root = parseObject(text);
        String id = optionalId(root);
        String type = requiredString(root, "type", id, Integer.MAX_VALUE);
        switch (type) {
            case "offer":
                return new ClientMessage.Offer(id, target(root, id), requiredString(root, "sdp", id, Integer.MAX_VALUE));
            case "answer":
                return new ClientMessage.Answer(id, target(root, id), requiredString(root, "sdp", id, Integer.MAX_VALUE));
            case "candidate": {
                String to = target(root, id);
                return new ClientMessage.Candidate(id, to, ClientMessage.SFU.equals(to) ? sfuTarget(root, id) : null,
                        candidate(root, id));
            }
            case "raise-hand":
                return new ClientMessage.RaiseHand(id, true);
            case "lower-hand":
                return new ClientMessage.RaiseHand(id, false);
            case "promote":
                return new ClientMessage.ChangeRole(id, participantId(root, id), true);
            case "demote":
                return new ClientMessage.ChangeRole(id, participantId(root, id), false);
            case "mute":
                return new ClientMessage.Mute(id, participantId(root, id), optionalBoolean(root, "muted", true, id));
            case "unpublish":
                return new ClientMessage.Unpublish(id);
            case "chat":
                return new ClientMessage.Chat(id, chatText(root, id));
            case "ping":
                return new ClientMessage.Ping(id);
            case "leave":
                return new ClientMessage.Leave(id);
            default:
                throw new ProtocolException(ErrorCode.BAD_REQUEST, id, "unknown message type '" + abbreviate(type) + "'");
        }
    }

    public String encode(ClientMessage message) {
        return write(g -> {
            g.writeStringField("type", message.type());
            writeIdIfAny(g, message.id());
            if (message instanceof ClientMessage.Addressed addressed) {
                g.writeStringField("to", addressed.to());
            }
            if (message instanceof ClientMessage.Offer offer) {
                g.writeStringField("sdp", offer.sdp());
            } else if (message instanceof ClientMessage.Answer answer) {
                g.writeStringField("sdp", answer.sdp());
            } else if (message instanceof ClientMessage.Candidate candidate) {
                if (candidate.target() != null) {
                    g.writeStringField("target", candidate.target());
                }
                writeRawOrNull(g, "candidate", candidate.candidate());
            } else if (message instanceof ClientMessage.Chat chat) {
                g.writeStringField("text", chat.text());
            } else if (message instanceof ClientMessage.ChangeRole change) {
                g.writeStringField("participantId", change.participantId());
            } else if (message instanceof ClientMessage.Mute mute) {
                g.writeStringField("participantId", mute.participantId());
                g.writeBooleanField("muted", mute.muted());
            }
        });
    }

    /**
     * Reads the top-level {@code id} of a frame without building it, so that a frame refused
     * unread (too large) can still be answered with its id. Returns null when there is none.
     */
    public String peekId(String text) {
        try (JsonParser parser = factory.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("id".equals(field)) {
                    String id = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    return id != null && !id.isEmpty() && id.length() <= MAX_ID_LENGTH ? id : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- server -> client

    public String encode(ServerMessage message) {
        return write(g -> {
            g.writeStringField("type", message.type());
            if (message instanceof ServerMessage.Joined joined) {
                writeJoined(g, joined);
            } else if (message instanceof ServerMessage.Resumed resumed) {
                writeResumed(g, resumed);
            } else if (message instanceof ServerMessage.ParticipantJoined event) {
                g.writeNumberField("seq", event.seq());
                g.writeFieldName("participant");
                writeParticipant(g, event.participant());
            } else if (message instanceof ServerMessage.ParticipantLeft event) {
                g.writeNumberField("seq", event.seq());
                g.writeStringField("participantId", event.participantId());
                g.writeStringField("reason", event.reason());
            } else if (message instanceof ServerMessage.ParticipantUpdated event) {
                g.writeNumberField("seq", event.seq());
                g.writeFieldName("participant");
                writeParticipant(g, event.participant());
                g.writeStringField("change", event.change());
            } else if (message instanceof ServerMessage.Listeners audience) {
                g.writeNumberField("count", audience.count());
                g.writeBooleanField("listed", audience.listed());
            } else if (message instanceof ServerMessage.FromSfu signal) {
                writeIdIfAny(g, signal.id());
                g.writeStringField("from", ClientMessage.SFU);
                g.writeStringField("target", signal.target());
                if ("candidate".equals(signal.type())) {
                    writeRawOrNull(g, "candidate", signal.body());
                } else {
                    g.writeStringField("sdp", signal.body());
                }
            } else if (message instanceof ServerMessage.SfuReset reset) {
                g.writeStringField("target", reset.target());
                g.writeStringField("reason", reset.reason());
            } else if (message instanceof ServerMessage.Relayed relayed) {
                g.writeStringField("from", relayed.from());
                if ("candidate".equals(relayed.type())) {
                    writeRawOrNull(g, "candidate", relayed.body());
                } else {
                    g.writeStringField("sdp", relayed.body());
                }
            } else if (message instanceof ServerMessage.Chat chat) {
                g.writeNumberField("seq", chat.seq());
                g.writeStringField("from", chat.from());
                g.writeStringField("text", chat.text());
                g.writeNumberField("ts", chat.ts());
            } else if (message instanceof ServerMessage.Message direct) {
                g.writeStringField("from", direct.from());
                g.writeStringField("text", direct.text());
                g.writeNumberField("ts", direct.ts());
            } else if (message instanceof ServerMessage.Ack ack) {
                writeIdIfAny(g, ack.id());
                if (ack.seq() != null) {
                    g.writeNumberField("seq", ack.seq());
                }
            } else if (message instanceof ServerMessage.Pong pong) {
                writeIdIfAny(g, pong.id());
            } else if (message instanceof ServerMessage.Error error) {
                writeIdIfAny(g, error.id());
                g.writeStringField("code", error.code().wireName());
                g.writeStringField("message", error.message());
            } else if (message instanceof ServerMessage.Disconnect disconnect) {
                g.writeStringField("reason", disconnect.reason());
                g.writeBooleanField("reconnect", disconnect.reconnect());
            } else if (message instanceof ServerMessage.Token token) {
                g.writeStringField("token", token.token());
                g.writeNumberField("expiresAt", token.expiresAt());
            }
        });
    }

    /** Decodes what the server sent; for clients, tests and tools. */
    public ServerMessage decodeServer(String text) throws ProtocolException {
        ObjectNode root = parseObject(text);
        String type = requiredString(root, "type", null, Integer.MAX_VALUE);
        switch (type) {
            case "joined":
                return new ServerMessage.Joined(text(root, "room"), text(root, "mode"), text(root, "sessionId"),
                        participant(root.get("participant")), participants(root.get("participants")),
                        iceServers(root.get("iceServers")), root.path("pingInterval").asLong(),
                        root.path("pingTimeout").asLong(), root.path("seq").asLong());
            case "resumed":
                return new ServerMessage.Resumed(text(root, "room"), text(root, "mode"), text(root, "sessionId"),
                        participant(root.get("participant")), iceServers(root.get("iceServers")),
                        root.path("pingInterval").asLong(), root.path("pingTimeout").asLong(), root.path("seq").asLong());
            case "participant-joined":
                return new ServerMessage.ParticipantJoined(root.path("seq").asLong(), participant(root.get("participant")));
            case "participant-left":
                return new ServerMessage.ParticipantLeft(root.path("seq").asLong(), text(root, "participantId"), text(root, "reason"));
            case "participant-updated":
                return new ServerMessage.ParticipantUpdated(root.path("seq").asLong(), participant(root.get("participant")),
                        text(root, "change"));
            case "listeners":
                return new ServerMessage.Listeners(root.path("count").asInt(), root.path("listed").asBoolean());
            case "sfu-reset":
                return new ServerMessage.SfuReset(text(root, "target"), text(root, "reason"));
            case "offer":
            case "answer":
            case "candidate": {
                JsonNode candidate = root.get("candidate");
                String body = !type.equals("candidate") ? text(root, "sdp")
                        : candidate == null || candidate.isNull() ? null : candidate.toString();
                if (ClientMessage.SFU.equals(text(root, "from"))) {
                    return new ServerMessage.FromSfu(type, text(root, "id"), text(root, "target"), body);
                }
                return new ServerMessage.Relayed(type, text(root, "from"), body);
            }
            case "chat":
                return new ServerMessage.Chat(root.path("seq").asLong(), text(root, "from"), text(root, "text"), root.path("ts").asLong());
            case "message":
                return new ServerMessage.Message(text(root, "from"), text(root, "text"), root.path("ts").asLong());
            case "ack":
                return new ServerMessage.Ack(text(root, "id"), root.hasNonNull("seq") ? root.get("seq").asLong() : null);
            case "pong":
                return new ServerMessage.Pong(text(root, "id"));
            case "error":
                return new ServerMessage.Error(text(root, "id"), errorCode(text(root, "code")), text(root, "message"));
            case "disconnect":
                return new ServerMessage.Disconnect(text(root, "reason"), root.path("reconnect").asBoolean());
            case "token":
                return new ServerMessage.Token(text(root, "token"), root.path("expiresAt").asLong());
            default:
                throw new ProtocolException(ErrorCode.BAD_REQUEST, null, "unknown message type '" + abbreviate(type) + "'");
        }
    }

    // ---------------------------------------------------------------- helpers

    private void writeJoined(JsonGenerator g, ServerMessage.Joined joined) throws IOException {
        writeSessionStart(g, joined.room(), joined.mode(), joined.sessionId(), joined.participant());
        g.writeArrayFieldStart("participants");
        for (ParticipantInfo p : joined.participants()) {
            writeParticipant(g, p);
        }
        g.writeEndArray();
        writeSessionTerms(g, joined.iceServers(), joined.pingInterval(), joined.pingTimeout(), joined.seq());
    }

    private void writeResumed(JsonGenerator g, ServerMessage.Resumed resumed) throws IOException {
        writeSessionStart(g, resumed.room(), resumed.mode(), resumed.sessionId(), resumed.participant());
        writeSessionTerms(g, resumed.iceServers(), resumed.pingInterval(), resumed.pingTimeout(), resumed.seq());
    }

    private static void writeSessionStart(JsonGenerator g, String room, String mode, String sessionId, ParticipantInfo self)
            throws IOException {
        g.writeNumberField("protocol", PROTOCOL_VERSION);
        g.writeStringField("room", room);
        g.writeStringField("mode", mode);
        g.writeStringField("sessionId", sessionId);
        g.writeFieldName("participant");
        writeParticipant(g, self);
    }

    private static void writeSessionTerms(JsonGenerator g, List<IceServer> iceServers, long pingInterval, long pingTimeout,
                                          long seq) throws IOException {
        g.writeArrayFieldStart("iceServers");
        for (IceServer server : iceServers) {
            g.writeStartObject();
            g.writeArrayFieldStart("urls");
            for (String url : server.urls()) {
                g.writeString(url);
            }
            g.writeEndArray();
            if (server.username() != null) {
                g.writeStringField("username", server.username());
                g.writeStringField("credential", server.credential());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("pingInterval", pingInterval);
        g.writeNumberField("pingTimeout", pingTimeout);
        g.writeNumberField("seq", seq);
    }

    private static void writeIdIfAny(JsonGenerator g, String id) throws IOException {
        if (id != null) {
            g.writeStringField("id", id);
        }
    }

    private static void writeParticipant(JsonGenerator g, ParticipantInfo p) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", p.id());
        g.writeStringField("identity", p.identity());
        g.writeStringField("name", p.name());
        g.writeStringField("role", p.role());
        g.writeStringField("metadata", p.metadata());
        g.writeBooleanField("handRaised", p.handRaised());
        g.writeBooleanField("muted", p.muted());
        g.writeBooleanField("publishing", p.publishing());
        g.writeEndObject();
    }

    /** The body was produced by this codec from a parsed candidate object, so it is well-formed JSON. */
    private static void writeRawOrNull(JsonGenerator g, String field, String rawJson) throws IOException {
        g.writeFieldName(field);
        if (rawJson == null) {
            g.writeNull();
        } else {
            g.writeRawValue(rawJson);
        }
    }

    private ObjectNode parseObject(String text) throws ProtocolException {
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, peekId(text), "malformed JSON" + location(e));
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, null, "a message must be a JSON object");
        }
        return (ObjectNode) root;
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    private static String optionalId(ObjectNode root) throws ProtocolException {
        JsonNode id = root.get("id");
        if (id == null || id.isNull()) {
            return null;
        }
        if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > MAX_ID_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, null,
                    "'id' must be a string of 1 to " + MAX_ID_LENGTH + " characters");
        }
        return id.textValue();
    }

    private static String requiredString(ObjectNode root, String field, String id, int maxLength) throws ProtocolException {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id, messageType(root) + "missing field '" + field + "'");
        }
        if (!value.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id, messageType(root) + "field '" + field + "' must be a string");
        }
        if (value.textValue().length() > maxLength) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id,
                    messageType(root) + "field '" + field + "' is longer than " + maxLength + " characters");
        }
        return value.textValue();
    }

    private static String messageType(ObjectNode root) {
        JsonNode type = root.get("type");
        return type != null && type.isTextual() ? abbreviate(type.textValue()) + ": " : "";
    }

    private static String target(ObjectNode root, String id) throws ProtocolException {
        return requiredString(root, "to", id, MAX_PARTICIPANT_ID_LENGTH);
    }

    private static String participantId(ObjectNode root, String id) throws ProtocolException {
        return requiredString(root, "participantId", id, MAX_PARTICIPANT_ID_LENGTH);
    }

    private static String sfuTarget(ObjectNode root, String id) throws ProtocolException {
        String target = requiredString(root, "target", id, MAX_PARTICIPANT_ID_LENGTH);
        if (!target.equals(ClientMessage.PUBLISHER) && !target.equals(ClientMessage.SUBSCRIBER)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id,
                    "candidate: field 'target' must be 'publisher' or 'subscriber' for the sfu");
        }
        return target;
    }

    private static boolean optionalBoolean(ObjectNode root, String field, boolean fallback, String id) throws ProtocolException {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id, messageType(root) + "field '" + field + "' must be true or false");
        }
        return value.booleanValue();
    }

    private static String chatText(ObjectNode root, String id) throws ProtocolException {
        String text = requiredString(root, "text", id, MAX_CHAT_LENGTH);
        if (text.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id, "chat: field 'text' must not be empty");
        }
        return text;
    }

    private static String candidate(ObjectNode root, String id) throws ProtocolException {
        if (!root.has("candidate")) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id,
                    "candidate: missing field 'candidate' (use null for end-of-candidates)");
        }
        JsonNode candidate = root.get("candidate");
        if (candidate.isNull()) {
            return null;
        }
        if (!candidate.isObject() || !candidate.path("candidate").isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, id,
                    "candidate: field 'candidate' must be an RTCIceCandidateInit object or null");
        }
        return candidate.toString(); // re-serialized from the parse: well-formed whatever the client sent
    }

    private static String text(JsonNode root, String field) {
        JsonNode value = root.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static ParticipantInfo participant(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return new ParticipantInfo(text(node, "id"), text(node, "identity"), text(node, "name"),
                text(node, "role"), text(node, "metadata"), node.path("handRaised").asBoolean(),
                node.path("muted").asBoolean(), node.path("publishing").asBoolean());
    }

    private static List<ParticipantInfo> participants(JsonNode array) {
        List<ParticipantInfo> list = new ArrayList<>();
        if (array != null) {
            array.forEach(node -> list.add(participant(node)));
        }
        return list;
    }

    private static List<IceServer> iceServers(JsonNode array) {
        List<IceServer> list = new ArrayList<>();
        if (array != null) {
            for (JsonNode node : array) {
                List<String> urls = new ArrayList<>();
                node.path("urls").forEach(url -> urls.add(url.asText()));
                list.add(new IceServer(urls, text(node, "username"), text(node, "credential")));
            }
        }
        return list;
    }

    private static ErrorCode errorCode(String wireName) throws ProtocolException {
        try {
            return ErrorCode.fromWire(String.valueOf(wireName));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, null, "error: " + e.getMessage());
        }
    }

    /** Echoing client input into an error message: bounded, so an error cannot amplify a frame. */
    private static String abbreviate(String value) {
        if (value.length() <= 32) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(31)) ? 31 : 32; // never split a character
        return value.substring(0, end) + "…";
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private String write(Body body) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to a string cannot fail", e);
        }
        return out.toString();
    }
}
