package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.RestClient;
import io.bifrost.signaling.testing.RestClient.Reply;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * What the REST API must do for an app's backend, checked over HTTP against the OpenAPI
 * document the node serves. Participants join through {@link #roomNode()}, the API is called
 * on {@link #apiNode()}: the same node, or another node of the cluster.
 */
abstract class RestApiContract {

    abstract TestNode roomNode();

    abstract TestNode apiNode();

    private RestClient api() throws Exception {
        return new RestClient(roomNode()).on(apiNode());
    }

    private String admin() {
        return roomNode().issuer().issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
    }

    private static String room(String prefix) {
        return prefix + "-" + System.nanoTime();
    }

    @Test
    void aCreatedRoomHasItsModeAndCapacityStaysWhenEmptyAndIsGoneOnceDeleted() throws Exception {
        RestClient api = api();
        String room = room("show");
        Reply created = api.call("POST", "/rooms", "/rooms", admin(),
                Map.of("name", room, "mode", "broadcast", "capacity", 2, "metadata", "{\"topic\":\"jazz\"}"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("managed").asBoolean()).isTrue();
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", room)).code()).isEqualTo("conflict");

        // The token asks for a mesh room; the room the backend created decides.
        try (WsClient host = roomNode().join(room, "host", Role.HOST, RoomMode.MESH);
             WsClient ann = roomNode().join(room, "ann", Role.LISTENER)) {
            assertThat(host.joined().path("mode").asText()).isEqualTo("broadcast");
            assertThat(joinRefusal(roomNode(), room, "bob")).as("capacity 2").isEqualTo("room-full");

            Reply info = api.get("/rooms/{room}", "/rooms/" + room, admin());
            assertThat(info.body().path("participants").asInt()).isEqualTo(2);
            assertThat(info.body().path("capacity").asInt()).isEqualTo(2);
            assertThat(info.body().path("metadata").asText()).isEqualTo("{\"topic\":\"jazz\"}");
            ann.closeNormally();
            host.expect("participant-left");
        }
        awaitParticipants(api, room, 0);
        Reply empty = api.get("/rooms/{room}", "/rooms/" + room, admin());
        assertThat(empty.status()).as("a created room stays when empty").isEqualTo(200);
        assertThat(api.get("/rooms", "/rooms", admin()).body().path("rooms").findValuesAsText("name")).contains(room);

        try (WsClient carol = roomNode().join(room, "carol", Role.LISTENER)) {
            assertThat(api.call("DELETE", "/rooms/{room}", "/rooms/" + room, admin(), null).status()).isEqualTo(204);
            JsonNode disconnect = carol.expect("disconnect");
            assertThat(disconnect.path("reason").asText()).isEqualTo("room-deleted");
            assertThat(disconnect.path("reconnect").asBoolean()).isFalse();
            assertThat(carol.awaitClose().reason()).isEqualTo("room-deleted");
        }
        assertThat(api.get("/rooms/{room}", "/rooms/" + room, admin()).code()).isEqualTo("not-found");
        assertThat(api.call("DELETE", "/rooms/{room}", "/rooms/" + room, admin(), null).code()).isEqualTo("not-found");
        assertThat(api.get("/rooms", "/rooms", admin()).body().path("rooms").findValuesAsText("name")).doesNotContain(room);
    }

    @Test
    void aRoomMadeByAJoinIsListedWhileItHasParticipants() throws Exception {
        RestClient api = api();
        String room = room("adhoc");
        try (WsClient host = roomNode().join(room, "host", Role.HOST)) {
            Reply listed = api.get("/rooms", "/rooms", admin());
            JsonNode entry = find(listed.body().path("rooms"), "name", room);
            assertThat(entry.path("managed").asBoolean()).isFalse();
            assertThat(entry.path("participants").asInt()).isEqualTo(1);
            assertThat(entry.path("mode").asText()).isEqualTo("mesh");
        }
        awaitRoomGone(api, room);
    }

    @Test
    void theBackendListsMutesChangesAndRemovesParticipantsAndTheRoomSeesIt() throws Exception {
        RestClient api = api();
        String room = room("panel");
        try (WsClient host = roomNode().join(room, "host", Role.HOST);
             WsClient ann = roomNode().join(room, "ann", Role.SPEAKER)) {
            host.expect("participant-joined");
            String base = "/rooms/" + room + "/participants";
            Reply list = api.get("/rooms/{room}/participants", base, admin());
            assertThat(list.body().path("participants").findValuesAsText("identity")).containsExactly("host", "ann");
            Reply one = api.get("/rooms/{room}/participants/{participant}", base + "/" + ann.id(), admin());
            assertThat(one.body().path("permissions").path("canPublish").asBoolean()).isTrue();
            assertThat(api.get("/rooms/{room}/participants/{participant}", base + "/p_nobody", admin()).code())
                    .isEqualTo("not-found");

            Reply muted = api.call("POST", "/rooms/{room}/participants/{participant}/mute", base + "/" + ann.id() + "/mute",
                    admin(), Map.of("muted", true));
            assertThat(muted.body().path("muted").asBoolean()).isTrue();
            JsonNode seen = ann.expect("participant-updated");
            assertThat(seen.path("change").asText()).isEqualTo("mute");
            assertThat(seen.path("participant").path("muted").asBoolean()).isTrue();

            Reply changed = api.call("PATCH", "/rooms/{room}/participants/{participant}", base + "/" + ann.id(), admin(),
                    Map.of("metadata", "{\"seat\":3}",
                            "permissions", Map.of("canPublish", true, "canSubscribe", true, "canPublishData", false, "roomAdmin", false)));
            assertThat(changed.body().path("metadata").asText()).isEqualTo("{\"seat\":3}");
            assertThat(changed.body().path("permissions").path("canPublishData").asBoolean()).isFalse();
            assertThat(host.expect("participant-updated").path("change").asText()).isEqualTo("mute");
            assertThat(host.expect("participant-updated").path("change").asText()).isEqualTo("permissions");
            assertThat(host.expect("participant-updated").path("participant").path("metadata").asText()).isEqualTo("{\"seat\":3}");
            ann.expect("participant-updated");
            ann.expect("participant-updated");
            ann.send(Map.of("type", "chat", "id", "c1", "text", "may I?"));
            assertThat(ann.expect("error").path("code").asText()).as("canPublishData was taken away").isEqualTo("forbidden");

            Reply promoted = api.call("PATCH", "/rooms/{room}/participants/{participant}", base + "/" + ann.id(), admin(),
                    Map.of("role", "host"));
            assertThat(promoted.body().path("role").asText()).isEqualTo("host");
            assertThat(host.expect("participant-updated").path("change").asText()).isEqualTo("role");

            assertThat(api.call("DELETE", "/rooms/{room}/participants/{participant}", base + "/" + ann.id(), admin(), null)
                    .status()).isEqualTo(204);
            JsonNode disconnect = ann.expect("disconnect");
            assertThat(disconnect.path("reason").asText()).isEqualTo("removed");
            assertThat(disconnect.path("reconnect").asBoolean()).isFalse();
            WsClient.Close close = ann.awaitClose();
            assertThat(close.code()).isEqualTo(1000);
            assertThat(close.reason()).isEqualTo("removed");
            JsonNode left = host.expect("participant-left");
            assertThat(left.path("participantId").asText()).isEqualTo(ann.id());
            assertThat(left.path("reason").asText()).isEqualTo("removed");
            assertThat(api.call("DELETE", "/rooms/{room}/participants/{participant}", base + "/" + ann.id(), admin(), null)
                    .code()).isEqualTo("not-found");
            assertThat(api.get("/rooms/{room}/participants", base, admin()).body().path("participants")
                    .findValuesAsText("identity")).containsExactly("host");
        }
    }

    @Test
    void theBackendPostsToTheRoomOrToOneParticipant() throws Exception {
        RestClient api = api();
        String room = room("chat");
        try (WsClient host = roomNode().join(room, "host", Role.HOST);
             WsClient ann = roomNode().join(room, "ann", Role.LISTENER)) {
            host.expect("participant-joined");
            String messages = "/rooms/" + room + "/messages";
            Reply posted = api.call("POST", "/rooms/{room}/messages", messages, admin(), Map.of("text", "doors open"));
            long seq = posted.body().path("seq").asLong();
            for (WsClient client : List.of(host, ann)) {
                JsonNode chat = client.expect("chat");
                assertThat(chat.path("from").asText()).isEqualTo("server");
                assertThat(chat.path("text").asText()).isEqualTo("doors open");
                assertThat(chat.path("seq").asLong()).isEqualTo(seq);
            }

            Reply sent = api.call("POST", "/rooms/{room}/messages", messages, admin(), Map.of("text", "you are next", "to", ann.id()));
            assertThat(sent.body().path("to").asText()).isEqualTo(ann.id());
            JsonNode direct = ann.expect("message");
            assertThat(direct.path("from").asText()).isEqualTo("server");
            assertThat(direct.path("text").asText()).isEqualTo("you are next");
            host.expectSilence(Duration.ofMillis(300));

            assertThat(api.call("POST", "/rooms/{room}/messages", messages, admin(), Map.of("text", "hi", "to", "p_nobody")).code())
                    .isEqualTo("not-found");
            assertThat(api.call("POST", "/rooms/{room}/messages", messages, admin(), Map.of("text", "")).reason())
                    .isEqualTo("invalid-field");
        }
        assertThat(api.call("POST", "/rooms/{room}/messages", "/rooms/" + room("none") + "/messages", admin(),
                Map.of("text", "anyone?")).code()).isEqualTo("not-found");
    }

    @Test
    void everyRequestWithoutAValidAdminTokenIsRefusedWithItsReason() throws Exception {
        RestClient api = api();
        TokenIssuer issuer = roomNode().issuer();
        String expired = issuer.withClock(Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC))
                .issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
        String forged = TokenIssuer.hmac(TestNode.KEY_ID, "not-the-secret-but-long-enough-for-hs256".getBytes(StandardCharsets.UTF_8))
                .issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
        String listener = roomNode().token("any", "ann", Role.LISTENER);

        assertThat(api.get("/rooms", "/rooms", null).reason()).isEqualTo("missing-token");
        assertThat(api.get("/rooms", "/rooms", "not.a.jwt!").reason()).isEqualTo("malformed");
        assertThat(api.get("/rooms", "/rooms", expired).reason()).isEqualTo("expired");
        assertThat(api.get("/rooms", "/rooms", forged).reason()).isEqualTo("bad-signature");
        Reply joinToken = api.get("/rooms", "/rooms", listener);
        assertThat(joinToken.status()).isEqualTo(401);
        assertThat(joinToken.reason()).isEqualTo("invalid-claims");
    }

    @Test
    void everyOperationNeedsItsGrantAndItsRoom() throws Exception {
        RestClient api = api();
        String room = room("guarded");
        TokenIssuer issuer = roomNode().issuer();
        String listOnly = issuer.issueAdmin(AdminGrants.of(false, true, false), Duration.ofMinutes(5));
        String adminOnly = issuer.issueAdmin(AdminGrants.of(false, false, true), Duration.ofMinutes(5));
        String otherRoom = issuer.issueAdmin(AdminGrants.of(true, true, true).forRoom("elsewhere"), Duration.ofMinutes(5));
        String p = "/rooms/" + room + "/participants/p_x";
        record Operation(String method, String template, String path, Object body, String grantless) {}
        List<Operation> operations = List.of(
                new Operation("GET", "/rooms", "/rooms", null, adminOnly),
                new Operation("POST", "/rooms", "/rooms", Map.of("name", room), listOnly),
                new Operation("GET", "/rooms/{room}", "/rooms/" + room, null, null),
                new Operation("DELETE", "/rooms/{room}", "/rooms/" + room, null, adminOnly),
                new Operation("GET", "/rooms/{room}/participants", "/rooms/" + room + "/participants", null, listOnly),
                new Operation("GET", "/rooms/{room}/participants/{participant}", p, null, listOnly),
                new Operation("PATCH", "/rooms/{room}/participants/{participant}", p, Map.of("role", "host"), listOnly),
                new Operation("DELETE", "/rooms/{room}/participants/{participant}", p, null, listOnly),
                new Operation("POST", "/rooms/{room}/participants/{participant}/mute", p + "/mute", Map.of("muted", true), listOnly),
                new Operation("POST", "/rooms/{room}/messages", "/rooms/" + room + "/messages", Map.of("text", "hi"), listOnly));
        for (Operation op : operations) {
            assertThat(api.call(op.method, op.template, op.path, null, op.body).status())
                    .as("%s %s without a token", op.method, op.path).isEqualTo(401);
            if (op.grantless != null) {
                Reply refused = api.call(op.method, op.template, op.path, op.grantless, op.body);
                assertThat(refused.status()).as("%s %s without its grant", op.method, op.path).isEqualTo(403);
                assertThat(refused.reason()).isEqualTo("missing-grant");
            }
            if (!op.path.equals("/rooms")) {
                Reply wrongRoom = api.call(op.method, op.template, op.path, otherRoom, op.body);
                assertThat(wrongRoom.reason()).as("%s %s with a token for another room", op.method, op.path).isEqualTo("wrong-room");
            }
        }
        assertThat(api.call("POST", "/rooms", "/rooms", otherRoom, Map.of("name", room)).reason()).isEqualTo("wrong-room");
        assertThat(api.get("/rooms", "/rooms", otherRoom).body().path("rooms").findValuesAsText("name"))
                .as("a token for one room lists that room only").doesNotContain(room).allMatch("elsewhere"::equals);
        assertThat(api.get("/rooms/{room}", "/rooms/" + room, listOnly).code()).as("nothing was created").isEqualTo("not-found");
    }

    @Test
    void aHostsJoinTokenActsOnItsOwnRoomOnly() throws Exception {
        RestClient api = api();
        String room = room("hosted");
        String hostToken = roomNode().token(room, "host", Role.HOST);
        try (WsClient host = roomNode().join(room, "host", Role.HOST);
             WsClient ann = roomNode().join(room, "ann", Role.LISTENER)) {
            Reply muted = api.call("POST", "/rooms/{room}/participants/{participant}/mute",
                    "/rooms/" + room + "/participants/" + ann.id() + "/mute", hostToken, Map.of("muted", true));
            assertThat(muted.status()).isEqualTo(200);
            assertThat(api.get("/rooms/{room}/participants", "/rooms/other/participants", hostToken).reason()).isEqualTo("wrong-room");
            assertThat(api.call("DELETE", "/rooms/{room}", "/rooms/" + room, hostToken, null).reason()).isEqualTo("missing-grant");
        }
    }

    @Test
    void metadataGrantsNothingWhateverItSays() throws Exception {
        RestClient api = api();
        String room = room("escalate");
        String claimsHost = "{\"role\":\"host\",\"roomAdmin\":true,\"grants\":{\"roomAdmin\":true}}";
        String claimsPublisher = "{\"role\":\"speaker\",\"permissions\":{\"canPublish\":true,\"roomAdmin\":true}}";
        String annToken = roomNode().issuer().issue(TokenRequest.builder(room, "ann").role(Role.LISTENER).metadata(claimsHost).build());
        try (WsClient host = roomNode().join(room, "host", Role.HOST);
             WsClient ann = WsClient.connect(roomNode().rtc(annToken))) {
            JsonNode joined = ann.awaitJoined();
            assertThat(joined.path("participant").path("role").asText()).as("the token's metadata is not its role").isEqualTo("listener");
            host.expect("participant-joined");
            ann.send(Map.of("type", "promote", "id", "r1", "participantId", ann.id()));
            assertThat(ann.expect("error").path("code").asText()).isEqualTo("forbidden");
            ann.send(Map.of("type", "mute", "id", "m1", "participantId", host.id(), "muted", true));
            assertThat(ann.expect("error").path("code").asText()).isEqualTo("forbidden");
            String path = "/rooms/" + room + "/participants/" + ann.id();
            String template = "/rooms/{room}/participants/{participant}";
            assertThat(api.call("PATCH", template, path, annToken, Map.of("role", "host")).reason())
                    .as("a listener's join token is no admin token").isEqualTo("invalid-claims");

            Reply updated = api.call("PATCH", template, path, admin(), Map.of("metadata", claimsPublisher));
            assertThat(updated.body().path("role").asText()).isEqualTo("listener");
            assertThat(updated.body().path("permissions").path("roomAdmin").asBoolean()).isFalse();
            assertThat(updated.body().path("permissions").path("canPublish").asBoolean()).isFalse();
            assertThat(ann.expect("participant-updated").path("change").asText()).isEqualTo("metadata");
            ann.send(Map.of("type", "promote", "id", "r2", "participantId", ann.id()));
            assertThat(ann.expect("error").path("code").asText()).as("after the metadata update").isEqualTo("forbidden");

            Reply identity = api.call("PATCH", template, path, admin(), Map.of("metadata", "", "identity", "host"));
            assertThat(identity.reason()).isEqualTo("invalid-field");
            assertThat(identity.body().path("message").asText()).as("the refusal names the field").startsWith("'identity' cannot change");
            assertThat(api.call("PATCH", template, path, admin(), Map.of("permissions", Map.of("canPublish", false,
                    "canSubscribe", true, "canPublishData", true, "roomAdmin", false, "hidden", true))).reason())
                    .isEqualTo("invalid-field");
            JsonNode after = api.get(template, path, admin()).body();
            assertThat(after.path("identity").asText()).isEqualTo("ann");
            assertThat(after.path("metadata").asText()).as("a refused PATCH changes nothing").isEqualTo(claimsPublisher);
            assertThat(after.path("permissions").path("hidden").asBoolean()).isFalse();
            assertThat(host.expect("participant-updated").path("change").asText()).isEqualTo("metadata");
            host.expectSilence(Duration.ofMillis(300));
        }
    }

    @Test
    void badRequestsAreRefusedWithACodeAndChangeNothing() throws Exception {
        RestClient api = api();
        String room = room("strict");
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), "{not json").reason()).isEqualTo("invalid-body");
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), "[1,2]").reason()).isEqualTo("invalid-body");
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", room, "mode", "party")).reason())
                .isEqualTo("invalid-field");
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", room, "capacity", 0)).reason())
                .isEqualTo("invalid-field");
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", room, "capacity", 2.5)).reason())
                .isEqualTo("invalid-field");
        assertThat(api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", "x".repeat(129))).reason())
                .isEqualTo("invalid-field");
        Reply tooLarge = api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", room, "metadata", "m".repeat(70_000)));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(api.get("/rooms/{room}", "/rooms/" + room, admin()).code()).as("nothing was created").isEqualTo("not-found");

        try (WsClient host = roomNode().join(room, "host", Role.HOST)) {
            String path = "/rooms/" + room + "/participants/" + host.id();
            String template = "/rooms/{room}/participants/{participant}";
            assertThat(api.call("PATCH", template, path, admin(), Map.of()).reason()).isEqualTo("invalid-body");
            assertThat(api.call("PATCH", template, path, admin(), Map.of("role", "king")).reason()).isEqualTo("invalid-field");
            assertThat(api.call("PATCH", template, path, admin(), Map.of("role", "listener",
                    "permissions", Map.of("canPublish", true))).reason()).isEqualTo("invalid-field");
            assertThat(api.call("POST", template + "/mute", path + "/mute", admin(), Map.of("muted", "yes")).reason())
                    .isEqualTo("invalid-field");
            host.expectSilence(Duration.ofMillis(300));
            assertThat(api.get(template, path, admin()).body().path("role").asText()).as("unchanged").isEqualTo("host");
            assertThat(api.call("PUT", "/rooms/{room}/participants", "/rooms/" + room + "/participants", admin(), Map.of())
                    .code()).isEqualTo("method-not-allowed");
        }
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented() throws Exception {
        RestClient api = api();
        String room = room("tour");
        api.get("/openapi.json", "/openapi.json", null);
        api.call("POST", "/rooms", "/rooms", admin(), Map.of("name", room));
        api.get("/rooms", "/rooms", admin());
        api.get("/rooms/{room}", "/rooms/" + room, admin());
        try (WsClient host = roomNode().join(room, "host", Role.HOST);
             WsClient ann = roomNode().join(room, "ann", Role.LISTENER)) {
            String p = "/rooms/" + room + "/participants/" + ann.id();
            api.get("/rooms/{room}/participants", "/rooms/" + room + "/participants", admin());
            api.get("/rooms/{room}/participants/{participant}", p, admin());
            api.call("PATCH", "/rooms/{room}/participants/{participant}", p, admin(), Map.of("role", "speaker"));
            api.call("POST", "/rooms/{room}/participants/{participant}/mute", p + "/mute", admin(), Map.of("muted", true));
            api.call("POST", "/rooms/{room}/messages", "/rooms/" + room + "/messages", admin(), Map.of("text", "hello"));
            api.call("DELETE", "/rooms/{room}/participants/{participant}", p, admin(), null);
            api.call("DELETE", "/rooms/{room}", "/rooms/" + room, admin(), null);
        }
        assertThat(api.answered()).isEqualTo(api.documented());
    }

    /**
     * The code a join is refused with: before the upgrade when the node can tell at once (a room
     * in its memory), else in an {@code error} frame once the room decided.
     */
    private static String joinRefusal(TestNode node, String room, String identity) throws Exception {
        try (WsClient client = WsClient.connect(node.rtc(node.token(room, identity, Role.LISTENER)))) {
            return client.expect("error").path("code").asText();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            Object body = ((WebSocketHandshakeException) e.getCause()).getResponse().body();
            return new ObjectMapper().readTree(String.valueOf(body)).path("code").asText();
        }
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode entry : array) {
            if (entry.path(field).asText().equals(value)) {
                return entry;
            }
        }
        throw new AssertionError("no entry with " + field + " " + value + " in " + array);
    }

    private void awaitParticipants(RestClient api, String room, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int seen = -1;
        while (System.nanoTime() < deadline) {
            seen = api.get("/rooms/{room}", "/rooms/" + room, admin()).body().path("participants").asInt();
            if (seen == count) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("room " + room + " has " + seen + " participants, not " + count);
    }

    private void awaitRoomGone(RestClient api, String room) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (api.get("/rooms/{room}", "/rooms/" + room, admin()).status() == 404) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("room " + room + " is still there after its last participant left");
    }
}
