package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.signaling.testing.RestClient;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WebhookReceiver;
import io.bifrost.signaling.testing.WebhookReceiver.Delivery;
import io.bifrost.signaling.testing.WsClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What an app backend's webhook endpoint receives: every event of a room, signed, as
 * documented, in room order, retried until accepted or dead-lettered. Run against one node and
 * against a cluster whose rooms span two nodes.
 */
abstract class WebhooksContract {
    static final Duration WAIT = Duration.ofSeconds(15);
    /** Short backoff and budget, so that retries and dead letters happen within a test. */
    static final Map<String, String> CONFIG = Map.of("webhooks.initialBackoff", "50ms", "webhooks.maxBackoff", "100ms",
            "webhooks.maxAttempts", "3");

    /** The node the room's first participant joins and the backend calls. */
    abstract TestNode node();

    /** The node the second participant joins: another one in a cluster. */
    abstract TestNode otherNode();

    abstract WebhookReceiver receiver();

    /** Checks that the room's dead webhook is where operators find it. */
    abstract void assertDeadLettered(String room, String event) throws Exception;

    static String room(String name) {
        return "hooks-" + name + "-" + System.nanoTime();
    }

    @Test
    void aRoomsLifeArrivesSignedAsDocumentedAndInOrder() throws Exception {
        String room = room("life");
        String annId;
        String hostId;
        try (WsClient host = node().join(room, "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = otherNode().join(room, "ann", Role.LISTENER)) {
            hostId = host.id();
            annId = ann.id();
            ann.send(Map.of("type", "raise-hand", "id", "h1"));
            ann.expect("ack");
            host.send(Map.of("type", "promote", "id", "p1", "participantId", ann.id()));
            host.expect("ack");
            ann.closeNormally();
            host.expect("participant-left");
        }

        List<Delivery> got = receiver().accepted(room, 9, WAIT);

        assertThat(WebhookReceiver.events(got)).containsExactly("room-started", "participant-joined(host)",
                "participant-joined(ann)", "hand-raised(ann)", "role-changed(ann)", "hand-raised(ann)", "participant-left(ann)",
                "participant-left(host)", "room-finished");
        assertThat(got.get(0).body().path("mode").asText()).isEqualTo("broadcast");
        assertThat(got.get(1).participant().path("id").asText()).isEqualTo(hostId);
        assertThat(got.get(2).participant().path("id").asText()).isEqualTo(annId);
        assertThat(got.get(2).participant().path("role").asText()).isEqualTo("listener");
        assertThat(got.get(3).body().path("raised").asBoolean()).isTrue();
        assertThat(got.get(4).participant().path("role").asText()).isEqualTo("speaker");
        assertThat(got.get(4).body().path("previousRole").asText()).isEqualTo("listener");
        assertThat(got.get(5).body().path("raised").asBoolean(true)).as("promotion lowers the hand").isFalse();
        assertThat(got.get(6).body().path("reason").asText()).isEqualTo("left");
        assertSignedDocumentedAndOrdered(got);
    }

    @Test
    void theBackendsOwnChangesArriveToo() throws Exception {
        String room = room("backend");
        RestClient api = new RestClient(node());
        String admin = node().issuer().issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
        assertThat(api.call("POST", "/rooms", "/rooms", admin, Map.of("name", room, "mode", "mesh")).status()).isEqualTo(201);
        try (WsClient ann = otherNode().join(room, "ann", Role.SPEAKER)) {
            assertThat(api.call("DELETE", "/rooms/{room}/participants/{participant}",
                    "/rooms/" + room + "/participants/" + ann.id(), admin, null).status()).isEqualTo(204);
            ann.awaitClose();
        }
        assertThat(api.call("DELETE", "/rooms/{room}", "/rooms/" + room, admin, null).status()).isEqualTo(204);

        List<Delivery> got = receiver().accepted(room, 4, WAIT);

        assertThat(WebhookReceiver.events(got)).containsExactly("room-started", "participant-joined(ann)",
                "participant-left(ann)", "room-finished");
        assertThat(got.get(2).body().path("reason").asText()).isEqualTo("removed");
        assertSignedDocumentedAndOrdered(got);
    }

    @Test
    void aReceiverThatFailsGetsTheSameWebhookAgainUntilItAcceptsAndTheOrderHolds() throws Exception {
        String room = room("retry");
        int[] refused = {0};
        receiver().answer(body -> body.path("room").asText().equals(room) && refused[0]++ < 2 ? 503 : 200);
        try (WsClient ann = node().join(room, "ann", Role.SPEAKER)) {
            List<Delivery> got = receiver().accepted(room, 2, WAIT);

            assertThat(WebhookReceiver.events(got)).containsExactly("room-started", "participant-joined(ann)");
            List<Delivery> attempts = receiver().attempts(room);
            assertThat(attempts).extracting(Delivery::answered).startsWith(503, 503, 200);
            assertThat(attempts.subList(0, 3)).extracting(Delivery::id).as("one webhook, three attempts")
                    .containsOnly(got.get(0).id());
            assertThat(attempts.subList(0, 3)).extracting(d -> d.body().toString()).as("the same body each time")
                    .containsOnly(got.get(0).body().toString());
            assertSignedDocumentedAndOrdered(got);
        } finally {
            receiver().answer(body -> 200);
        }
    }

    @Test
    void aWebhookRefusedOnEveryAttemptIsDeadLetteredAndTheRoomGoesOn() throws Exception {
        String room = room("dead");
        receiver().answer(body -> body.path("room").asText().equals(room)
                && body.path("event").asText().equals("room-started") ? 500 : 200);
        try (WsClient ann = node().join(room, "ann", Role.SPEAKER)) {
            List<Delivery> got = receiver().accepted(room, 1, WAIT);

            assertThat(WebhookReceiver.events(got)).containsExactly("participant-joined(ann)");
            assertThat(WebhookReceiver.events(receiver().attempts(room))).as("three attempts, then the next webhook")
                    .startsWith("room-started", "room-started", "room-started", "participant-joined(ann)");
            assertDeadLettered(room, "room-started");
        } finally {
            receiver().answer(body -> 200);
        }
    }

    static void assertSignedDocumentedAndOrdered(List<Delivery> got) throws Exception {
        RestClient documents = new RestClient(documentNode);
        Set<String> ids = new HashSet<>();
        long createdAt = 0;
        for (Delivery d : got) {
            assertThat(d.refusal()).as("signature of %s", d.body()).isNull();
            assertThat(d.verified().id()).isEqualTo(d.id());
            assertThat(ids.add(d.id())).as("id %s is unique", d.id()).isTrue();
            assertThat(d.body().path("createdAt").asLong()).as("createdAt never goes back").isGreaterThanOrEqualTo(createdAt);
            createdAt = d.body().path("createdAt").asLong();
            documents.checkWebhook(d.body());
        }
    }

    /** Any node serves the document the bodies are checked against. */
    static TestNode documentNode;
}
