package io.bifrost.signaling.transport;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenException;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.rooms.room.RoomException;
import io.bifrost.rooms.room.RoomInfo;
import io.bifrost.rooms.room.RoomSettings;
import io.bifrost.rooms.room.Rooms;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API for app backends, under {@code /api/v1} (see {@code docs/rest-api.md} and
 * {@code docs/openapi.json}): rooms and their participants, authorized by an admin token.
 * Every answer is JSON; every refusal has a {@code code} and a {@code reason}.
 */
final class RestApi {
    private static final Logger log = LoggerFactory.getLogger(RestApi.class);
    static final String PREFIX = "/api/v1/";
    private static final String JSON = "application/json; charset=utf-8";
    /** A request body is a few fields; anything larger is refused unread. */
    private static final int MAX_BODY_BYTES = 64 * 1024;
    /** The same bound as join tokens' room and identity names in the dev token endpoint. */
    private static final int MAX_NAME_LENGTH = 128;
    private static final int MAX_METADATA_CHARS = 16 * 1024;
    private static final Set<String> PATCHABLE = Set.of("role", "permissions", "metadata");
    private static final Set<String> PERMISSIONS = Set.of("canPublish", "canSubscribe", "canPublishData", "roomAdmin");
    /** As a participant's chat message (docs/protocol.md). */
    private static final int MAX_TEXT_CHARS = 4096;
    private static final int MAX_CAPACITY = 1_000_000;
    private static final ObjectMapper JSON_MAPPER = new ObjectMapper();

    private final TokenVerifier verifier;
    private final Rooms rooms;
    private final RoomMode defaultMode;
    private final byte[] openApi;

    RestApi(TokenVerifier verifier, Rooms rooms, RoomMode defaultMode) {
        this.verifier = verifier;
        this.rooms = rooms;
        this.defaultMode = defaultMode;
        this.openApi = openApiDocument();
    }

    private static byte[] openApiDocument() {
        try (InputStream in = RestApi.class.getResourceAsStream("/api/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("api/openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A refusal: the HTTP status and the error body's fields. */
    private static final class Refusal extends Exception {
        final int status;
        final String code;
        final String reason;

        Refusal(int status, String code, String reason, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.reason = reason;
        }
    }

    /** What a request to a path under {@link #PREFIX} asks for; {@code body} is null when it was over the limit. */
    private record Call(String method, List<String> path, Request request, byte[] body) {}

    void handle(Request request, Response response, Callback callback) {
        CompletionStage<Answer> answer;
        try {
            // Read first, whatever the answer: a body left unread would cost the client its connection.
            Call call = new Call(request.getMethod(), segments(Request.getPathInContext(request)), request, read(request));
            answer = route(call);
        } catch (Refusal refusal) {
            answer = CompletableFuture.failedFuture(refusal);
        }
        answer.whenComplete((result, failure) -> {
            if (failure == null) {
                HttpRoutes.write(response, callback, result.status, JSON, result.body);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            Refusal refusal = refusal(cause);
            HttpRoutes.writeError(response, callback, refusal.status, refusal.code, refusal.reason, refusal.getMessage());
        });
    }

    private static Refusal refusal(Throwable cause) {
        if (cause instanceof Refusal refusal) {
            return refusal;
        }
        if (cause instanceof RoomException e) {
            return switch (e.kind()) {
                case NOT_FOUND -> new Refusal(404, "not-found", "not-found", e.getMessage());
                case CONFLICT -> new Refusal(409, "conflict", "conflict", e.getMessage());
                case FORBIDDEN -> new Refusal(403, "forbidden", "forbidden", e.getMessage());
                case BAD_REQUEST, ROOM_FULL, DUPLICATE_IDENTITY -> new Refusal(400, "bad-request", "bad-request", e.getMessage());
                case INTERNAL -> new Refusal(500, "internal", "internal", e.getMessage());
            };
        }
        log.error("A REST request failed", cause);
        return new Refusal(500, "internal", "internal", "the request could not be completed; try again");
    }

    private record Answer(int status, String body) {}

    private CompletionStage<Answer> route(Call call) throws Refusal {
        List<String> p = call.path;
        if (p.size() == 1 && p.get(0).equals("openapi.json")) {
            allow(call, "GET");
            return done(200, new String(openApi, java.nio.charset.StandardCharsets.UTF_8));
        }
        if (p.isEmpty() || !p.get(0).equals("rooms") || p.size() > 5) {
            throw new Refusal(404, "not-found", "no-such-endpoint", "no endpoint " + call.method + " " + PREFIX + String.join("/", p));
        }
        AdminGrants grants = authorize(call.request);
        if (p.size() == 1) {
            return call.method.equals("POST") ? createRoom(call, grants) : listRooms(call, grants);
        }
        String room = name(p.get(1), "room");
        if (p.size() == 2) {
            return call.method.equals("DELETE") ? deleteRoom(call, grants, room) : getRoom(call, grants, room);
        }
        if (p.size() == 3 && p.get(2).equals("participants")) {
            allow(call, "GET");
            need(grants, grants.roomAdmin(), "roomAdmin", room);
            return rooms.participants(room).thenApply(list -> {
                ArrayNode array = JSON_MAPPER.createArrayNode();
                list.forEach(participant -> array.add(BackendJson.participant(participant)));
                ObjectNode body = JSON_MAPPER.createObjectNode();
                body.set("participants", array);
                return new Answer(200, body.toString());
            });
        }
        if (p.size() == 3 && p.get(2).equals("messages")) {
            allow(call, "POST");
            need(grants, grants.roomAdmin(), "roomAdmin", room);
            return sendMessage(call, room);
        }
        if (p.size() >= 4 && p.get(2).equals("participants")) {
            need(grants, grants.roomAdmin(), "roomAdmin", room);
            return participantCall(call, room, name(p.get(3), "participant"));
        }
        throw new Refusal(404, "not-found", "no-such-endpoint", "no endpoint " + call.method + " " + PREFIX + String.join("/", p));
    }

    private CompletionStage<Answer> participantCall(Call call, String room, String participantId) throws Refusal {
        List<String> p = call.path;
        if (p.size() == 5) {
            if (!p.get(4).equals("mute")) {
                throw new Refusal(404, "not-found", "no-such-endpoint", "no endpoint " + call.method + " " + PREFIX + String.join("/", p));
            }
            allow(call, "POST");
            JsonNode body = body(call);
            boolean muted = requiredBoolean(body, "muted");
            log.info("REST: {} {} in room {}", muted ? "muting" : "unmuting", participantId, room);
            return rooms.change(room, participantId, new ParticipantChange.Muted(muted)).thenApply(RestApi::participantAnswer);
        }
        switch (call.method) {
            case "GET":
                return rooms.participants(room).thenApply(list -> {
                    for (Participant participant : list) {
                        if (participant.id().equals(participantId)) {
                            return participantAnswer(participant);
                        }
                    }
                    throw new CompletionException(new RoomException(RoomException.Kind.NOT_FOUND,
                            "no participant " + participantId + " in room " + room));
                });
            case "DELETE":
                log.info("REST: removing {} from room {}", participantId, room);
                return rooms.remove(room, participantId).thenApply(gone -> new Answer(204, ""));
            case "PATCH":
                return update(room, participantId, changes(body(call)));
            default:
                throw methodNotAllowed(call, "GET, PATCH, DELETE");
        }
    }

    /** Applies the changes one after another; the answer is the participant's state after the last. */
    private CompletionStage<Answer> update(String room, String participantId, List<ParticipantChange> changes) {
        log.info("REST: changing the {} of {} in room {}", changes.stream().map(ParticipantChange::wireName).toList(),
                participantId, room);
        CompletionStage<Participant> done = rooms.change(room, participantId, changes.get(0));
        for (ParticipantChange next : changes.subList(1, changes.size())) {
            done = done.thenCompose(previous -> rooms.change(room, participantId, next));
        }
        return done.thenApply(RestApi::participantAnswer);
    }

    private static List<ParticipantChange> changes(JsonNode body) throws Refusal {
        // A field this API does not change (identity, name, hidden, grants…) is refused rather than
        // skipped: a backend that believes it changed something must learn that it did not.
        onlyFields(body, PATCHABLE, "cannot change: only role, permissions and metadata can");
        List<ParticipantChange> changes = new ArrayList<>();
        JsonNode role = body.get("role");
        if (role != null) {
            try {
                changes.add(new ParticipantChange.RoleChanged(Role.fromWire(role.isTextual() ? role.textValue() : role.toString())));
            } catch (IllegalArgumentException e) {
                throw badRequest("invalid-field", "role must be one of host, speaker, listener");
            }
        }
        JsonNode permissions = body.get("permissions");
        if (permissions != null) {
            if (!permissions.isObject()) {
                throw badRequest("invalid-field", "permissions must be an object");
            }
            onlyFields(permissions, PERMISSIONS, "is no permission that can change: they are canPublish, canSubscribe,"
                    + " canPublishData and roomAdmin; whether a participant is hidden cannot change");
            changes.add(new ParticipantChange.PermissionsChanged(new Grants(
                    requiredBoolean(permissions, "canPublish"), requiredBoolean(permissions, "canSubscribe"),
                    requiredBoolean(permissions, "canPublishData"), requiredBoolean(permissions, "roomAdmin"), false)));
        }
        JsonNode metadata = body.get("metadata");
        if (metadata != null) {
            changes.add(new ParticipantChange.MetadataChanged(boundedText(metadata, "metadata", MAX_METADATA_CHARS, true)));
        }
        if (changes.isEmpty()) {
            throw badRequest("invalid-body", "nothing to change: give role, permissions or metadata");
        }
        return changes;
    }

    private CompletionStage<Answer> listRooms(Call call, AdminGrants grants) throws Refusal {
        allow(call, "GET, POST");
        if (!grants.roomList()) {
            throw missingGrant("roomList");
        }
        return rooms.list().thenApply(list -> {
            ArrayNode array = JSON_MAPPER.createArrayNode();
            for (RoomInfo info : list) {
                if (grants.covers(info.name())) {
                    array.add(room(info));
                }
            }
            ObjectNode body = JSON_MAPPER.createObjectNode();
            body.set("rooms", array);
            return new Answer(200, body.toString());
        });
    }

    private CompletionStage<Answer> createRoom(Call call, AdminGrants grants) throws Refusal {
        JsonNode body = body(call);
        String room = name(boundedText(body.get("name"), "name", MAX_NAME_LENGTH, false), "name");
        need(grants, grants.roomCreate(), "roomCreate", room);
        RoomMode mode = defaultMode;
        JsonNode modeNode = body.get("mode");
        if (modeNode != null) {
            try {
                mode = RoomMode.fromWire(modeNode.isTextual() ? modeNode.textValue() : modeNode.toString());
            } catch (IllegalArgumentException e) {
                throw badRequest("invalid-field", "mode must be mesh or broadcast");
            }
        }
        int capacity = rooms.capacity();
        JsonNode capacityNode = body.get("capacity");
        if (capacityNode != null) {
            if (!capacityNode.canConvertToInt() || !capacityNode.isIntegralNumber()
                    || capacityNode.intValue() < 1 || capacityNode.intValue() > MAX_CAPACITY) {
                throw badRequest("invalid-field", "capacity must be a whole number from 1 to " + MAX_CAPACITY);
            }
            capacity = capacityNode.intValue();
        }
        String metadata = body.has("metadata") ? boundedText(body.get("metadata"), "metadata", MAX_METADATA_CHARS, true) : "";
        log.info("REST: creating room {} ({}, capacity {})", room, mode.wireName(), capacity);
        return rooms.create(room, new RoomSettings(mode, capacity, metadata)).thenApply(info -> new Answer(201, room(info).toString()));
    }

    private CompletionStage<Answer> getRoom(Call call, AdminGrants grants, String room) throws Refusal {
        allow(call, "GET, DELETE");
        need(grants, grants.roomList() || grants.roomAdmin(), "roomList", room);
        return rooms.info(room).thenApply(found -> found.map(info -> new Answer(200, room(info).toString()))
                .orElseThrow(() -> new CompletionException(new RoomException(RoomException.Kind.NOT_FOUND, "no room " + room))));
    }

    private CompletionStage<Answer> deleteRoom(Call call, AdminGrants grants, String room) throws Refusal {
        need(grants, grants.roomCreate(), "roomCreate", room);
        log.info("REST: deleting room {}", room);
        return rooms.delete(room).thenApply(v -> new Answer(204, ""));
    }

    private CompletionStage<Answer> sendMessage(Call call, String room) throws Refusal {
        JsonNode body = body(call);
        String text = boundedText(body.get("text"), "text", MAX_TEXT_CHARS, false);
        JsonNode to = body.get("to");
        if (to == null || to.isNull()) {
            return rooms.post(room, text, System.currentTimeMillis()).thenApply(seq -> {
                ObjectNode answer = JSON_MAPPER.createObjectNode();
                answer.put("seq", seq);
                return new Answer(200, answer.toString());
            });
        }
        String participantId = name(boundedText(to, "to", MAX_NAME_LENGTH, false), "to");
        return rooms.message(room, participantId, text).thenApply(v -> {
            ObjectNode answer = JSON_MAPPER.createObjectNode();
            answer.put("to", participantId);
            return new Answer(200, answer.toString());
        });
    }

    // ------------------------------------------------------------------ checks

    private AdminGrants authorize(Request request) throws Refusal {
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        try {
            return verifier.verifyAdmin(token);
        } catch (TokenException e) {
            // A key source that is down is the server's trouble, not the caller's.
            int status = e.reason() == TokenException.Reason.KEY_SOURCE_UNAVAILABLE ? 503 : 401;
            throw new Refusal(status, "unauthorized", e.reason().code(),
                    token == null ? "send an admin token as Authorization: Bearer <token>" : e.getMessage());
        }
    }

    private static void need(AdminGrants grants, boolean granted, String grant, String room) throws Refusal {
        if (!granted) {
            throw missingGrant(grant);
        }
        if (!grants.covers(room)) {
            throw new Refusal(403, "forbidden", "wrong-room", "the token is for room " + grants.room() + ", not " + room);
        }
    }

    private static Refusal missingGrant(String grant) {
        return new Refusal(403, "forbidden", "missing-grant", "this request needs an admin token with " + grant);
    }

    private static void allow(Call call, String methods) throws Refusal {
        if (!methods.contains(call.method)) {
            throw methodNotAllowed(call, methods);
        }
    }

    private static Refusal methodNotAllowed(Call call, String methods) {
        return new Refusal(405, "method-not-allowed", "method-not-allowed",
                call.method + " is not allowed here; allowed: " + methods);
    }

    private static Refusal badRequest(String reason, String message) {
        return new Refusal(400, "bad-request", reason, message);
    }

    /** The request's body, or null when it is over the limit (the rest is not read). */
    private static byte[] read(Request request) throws Refusal {
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            return bytes.length > MAX_BODY_BYTES ? null : bytes;
        } catch (IOException e) {
            throw badRequest("invalid-body", "the request body could not be read");
        }
    }

    private static JsonNode body(Call call) throws Refusal {
        byte[] bytes = call.body;
        if (bytes == null) {
            throw new Refusal(413, "too-large", "too-large", "the request body is over " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode body;
        try {
            body = JSON_MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            body = null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (body == null || !body.isObject()) {
            throw badRequest("invalid-body", "the request body must be a JSON object");
        }
        return body;
    }

    /** Refuses the first field not allowed, named in the message: "'identity' cannot change: …". */
    private static void onlyFields(JsonNode object, Set<String> allowed, String why) throws Refusal {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw badRequest("invalid-field", "'" + Admission.abbreviate(name) + "' " + why);
            }
        }
    }

    private static boolean requiredBoolean(JsonNode object, String field) throws Refusal {
        JsonNode value = object.get(field);
        if (value == null || !value.isBoolean()) {
            throw badRequest("invalid-field", field + " must be true or false");
        }
        return value.booleanValue();
    }

    private static String boundedText(JsonNode value, String field, int maxChars, boolean emptyAllowed) throws Refusal {
        if (value == null || !value.isTextual() || (!emptyAllowed && value.textValue().isBlank())
                || value.textValue().length() > maxChars) {
            throw badRequest("invalid-field", field + " must be a " + (emptyAllowed ? "" : "non-blank ")
                    + "string of at most " + maxChars + " characters");
        }
        return value.textValue();
    }

    private static String name(String value, String what) throws Refusal {
        if (value.isBlank() || value.length() > MAX_NAME_LENGTH) {
            throw badRequest("invalid-field", what + " must be 1 to " + MAX_NAME_LENGTH + " characters");
        }
        return value;
    }

    private static List<String> segments(String path) {
        List<String> segments = new ArrayList<>();
        for (String segment : path.substring(PREFIX.length()).split("/")) {
            if (!segment.isEmpty()) {
                segments.add(segment);
            }
        }
        return segments;
    }

    private static CompletionStage<Answer> done(int status, String body) {
        return CompletableFuture.completedFuture(new Answer(status, body));
    }

    // ------------------------------------------------------------------ bodies

    private static ObjectNode room(RoomInfo info) {
        ObjectNode node = JSON_MAPPER.createObjectNode();
        node.put("name", info.name());
        node.put("mode", info.mode().wireName());
        node.put("capacity", info.capacity());
        node.put("metadata", info.metadata());
        node.put("participants", info.participants());
        node.put("managed", info.managed());
        return node;
    }

    private static Answer participantAnswer(Participant participant) {
        return new Answer(200, BackendJson.participant(participant).toString());
    }
}
