package io.bifrost.signaling;

import static io.bifrost.signaling.CrossNodeRoomContract.assertListed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Broadcast rooms whose audience outgrows {@code rooms.largeAudience}: listeners are counted
 * instead of announced, over real websockets, on one node.
 */
@Timeout(60)
class AudienceIT {
    /** Two listeners are announced; the third makes a large audience. */
    private static final int LARGE_AUDIENCE = 2;
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("rooms.largeAudience", Integer.toString(LARGE_AUDIENCE)));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void listenersAreAnnouncedUntilTheAudienceIsLargeThenOnlyCounted() throws Exception {
        String room = "radio-large";
        try (WsClient host = node.join(room, "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = node.join(room, "ann", Role.LISTENER);
             WsClient bob = node.join(room, "bob", Role.LISTENER)) {
            assertThat(host.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(ann.id());
            assertThat(host.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(bob.id());
            assertListed(host.expectListeners(2), true);

            try (WsClient carl = node.join(room, "carl", Role.LISTENER)) {
                assertListed(host.expectListeners(3), false);
                assertListed(ann.expectListeners(3), false);
                assertListed(carl.expectListeners(3), false);
                assertThat(host.framesWithin(Duration.ofMillis(1500))).as("carl's join is not announced")
                        .noneMatch(f -> f.path("type").asText().equals("participant-joined"));
                assertThat(carl.joined().path("participants")).as("a large audience lists its speakers only")
                        .extracting(p -> p.path("id").asText()).containsExactly(host.id());

                bob.send(Map.of("type", "leave", "id", "bye"));
                assertListed(host.expectListeners(2), false);
                assertThat(carl.framesWithin(Duration.ofMillis(500))).as("bob's leave is not announced")
                        .noneMatch(f -> f.path("type").asText().equals("participant-left"));

                ann.send(Map.of("type", "raise-hand", "id", "h1"));
                JsonNode hand = carl.expect("participant-updated");
                assertThat(hand.path("participant").path("id").asText()).as("a raised hand is shown to all").isEqualTo(ann.id());
                assertThat(hand.path("participant").path("name").asText()).isEqualTo("ann");
                ann.send(Map.of("type", "leave", "id", "bye"));
                JsonNode left = carl.expect("participant-left");
                assertThat(left.path("participantId").asText()).as("the leave of a shown listener is announced")
                        .isEqualTo(ann.id());
                assertThat(left.path("seq").asLong()).isEqualTo(hand.path("seq").asLong() + 1);
                assertListed(carl.expectListeners(1), false);

                assertThat(host.expect("participant-updated").path("change").asText()).isEqualTo("hand");
                host.send(Map.of("type", "promote", "id", "p1", "participantId", carl.id()));
                assertThat(host.expect("participant-updated").path("participant").path("role").asText()).isEqualTo("speaker");
                assertListed(host.expectListeners(0), false);
            }
        }
    }

    @Test
    void aSmallAudienceIsCountedAndListedAndMeshRoomsHaveNoCount() throws Exception {
        try (WsClient host = node.join("radio-small", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient caller = node.join("call-small", "carl", Role.SPEAKER, RoomMode.MESH)) {
            assertListed(host.expectListeners(0), true);
            try (WsClient ann = node.join("radio-small", "ann", Role.LISTENER)) {
                assertThat(ann.joined().path("participants")).extracting(p -> p.path("id").asText())
                        .containsExactly(host.id());
                assertListed(ann.expectListeners(1), true);
                assertListed(host.expectListeners(1), true);
            }
            assertListed(host.expectListeners(0), true);
            assertThat(caller.framesWithin(Duration.ofMillis(1500))).noneMatch(f -> f.path("type").asText().equals("listeners"));
        }
    }

    @Test
    void aResumedListenerOfALargeAudienceGetsTheCountAgain() throws Exception {
        String room = "radio-resume";
        try (WsClient host = node.join(room, "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = node.join(room, "ann", Role.LISTENER);
             WsClient bob = node.join(room, "bob", Role.LISTENER);
             WsClient carl = node.join(room, "carl", Role.LISTENER)) {
            assertListed(carl.expectListeners(3), false);
            long lastSeq = carl.joined().path("seq").asLong();
            assertThat(node.node().dropConnection(carl.id())).isTrue();
            try (WsClient back = node.resume(room, "carl", carl.sessionId(), lastSeq)) {
                back.awaitResumed();
                assertThat(back.id()).isEqualTo(carl.id());
                assertListed(back.expectListeners(3), false);
            }
        }
    }

}
