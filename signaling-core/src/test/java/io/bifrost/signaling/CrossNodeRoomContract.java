package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a room spanning three nodes must do, whatever Redis carries it: the tests a standalone
 * Redis and a Redis Cluster both pass.
 */
abstract class CrossNodeRoomContract {
    static final String SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    static final String CANDIDATE = "{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
    private static final int MESSAGES_EACH = 20;
    /** Nodes run with this {@code rooms.largeAudience}: the third listener makes a large audience. */
    static final String LARGE_AUDIENCE = "2";

    /** Three nodes sharing one Redis. */
    abstract List<TestNode> nodes();

    @Test
    void aHostOnOneNodePromotesAndMutesAListenerOnAnotherAndTheRoomKeepsTheNewState() throws Exception {
        String room = "radio-" + System.nanoTime();
        List<TestNode> nodes = nodes();
        try (WsClient host = nodes.get(0).join(room, "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = nodes.get(1).join(room, "ann", Role.LISTENER, RoomMode.MESH)) {
            assertThat(ann.joined().path("mode").asText()).isEqualTo("broadcast");
            ann.send(Map.of("type", "raise-hand", "id", "h1"));
            assertThat(host.expect("participant-updated").path("participant").path("handRaised").asBoolean()).isTrue();

            host.send(Map.of("type", "promote", "id", "p1", "participantId", ann.id()));
            long seq = host.expect("ack").path("seq").asLong();
            ann.expect("participant-updated"); // its own hand
            JsonNode promoted = ann.expect("participant-updated");
            assertThat(promoted.path("seq").asLong()).isEqualTo(seq);
            assertThat(promoted.path("participant").path("role").asText()).isEqualTo("speaker");
            assertThat(promoted.path("participant").path("handRaised").asBoolean()).isFalse();

            // A newcomer on the third node is told the state the room holds now.
            try (WsClient carol = nodes.get(2).join(room, "carol", Role.LISTENER)) {
                JsonNode annSeen = carol.joined().path("participants").get(1);
                assertThat(annSeen.path("identity").asText()).isEqualTo("ann");
                assertThat(annSeen.path("role").asText()).isEqualTo("speaker");
                carol.send(Map.of("type", "mute", "id", "m1", "participantId", ann.id()));
                assertThat(carol.expect("error").path("code").asText()).isEqualTo("forbidden");
            }
            host.send(Map.of("type", "mute", "id", "m2", "participantId", ann.id()));
            host.expect("ack");
            JsonNode muted = ann.expect("participant-updated");
            assertThat(muted.path("change").asText()).isEqualTo("mute");
            assertThat(muted.path("participant").path("muted").asBoolean()).isTrue();
            assertThat(muted.path("participant").path("role").asText()).isEqualTo("speaker");
        }
    }

    @Test
    void everyNodeCountsTheSameAudienceAndStopsAnnouncingListenersOnceItIsLarge() throws Exception {
        String room = "radio-audience-" + System.nanoTime();
        List<TestNode> nodes = nodes();
        try (WsClient host = nodes.get(0).join(room, "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = nodes.get(1).join(room, "ann", Role.LISTENER);
             WsClient bob = nodes.get(2).join(room, "bob", Role.LISTENER);
             WsClient carl = nodes.get(1).join(room, "carl", Role.LISTENER)) {
            for (WsClient client : List.of(host, ann, bob, carl)) {
                assertListed(client.expectListeners(3), false);
            }
            try (WsClient dave = nodes.get(2).join(room, "dave", Role.LISTENER)) {
                assertThat(dave.joined().path("participants")).extracting(p -> p.path("id").asText())
                        .containsExactly(host.id());
                for (WsClient client : List.of(host, ann, bob, carl, dave)) {
                    assertListed(client.expectListeners(4), false);
                }
                dave.send(Map.of("type", "leave", "id", "bye"));
            }
            assertListed(host.expectListeners(3), false);
            assertThat(host.framesWithin(java.time.Duration.ofMillis(500)))
                    .as("joins and leaves of listeners once the audience is large")
                    .filteredOn(f -> f.path("type").asText().startsWith("participant-"))
                    .extracting(f -> f.path("participant").path("identity").asText(f.path("participantId").asText()))
                    .containsExactly("ann", "bob"); // the two announced while the audience was small
        }
    }


    @Test
    void participantsOnThreeNodesSeeEachOtherRelayAndChatInOneOrder() throws Exception {
        String room = "span-" + System.nanoTime();
        List<TestNode> nodes = nodes();
        try (WsClient alice = nodes.get(0).join(room, "alice");
             WsClient bob = nodes.get(1).join(room, "bob");
             WsClient carol = nodes.get(2).join(room, "carol")) {
            assertThat(carol.joined().path("participants").findValuesAsText("identity")).containsExactly("alice", "bob");
            assertThat(alice.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(bob.id());
            assertThat(alice.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(carol.id());
            assertThat(bob.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(carol.id());

            alice.send(Map.of("type", "offer", "id", "o1", "to", bob.id(), "sdp", SDP));
            assertThat(alice.expect("ack").path("id").asText()).isEqualTo("o1");
            JsonNode offer = bob.expect("offer");
            assertThat(offer.path("from").asText()).isEqualTo(alice.id());
            assertThat(offer.path("sdp").asText()).isEqualTo(SDP);
            bob.send(Map.of("type", "answer", "id", "a1", "to", alice.id(), "sdp", SDP));
            assertThat(alice.expect("answer").path("from").asText()).isEqualTo(bob.id());
            for (int i = 0; i < 10; i++) {
                carol.send("{\"type\":\"candidate\",\"id\":\"c" + i + "\",\"to\":\"" + alice.id() + "\",\"candidate\":" + CANDIDATE + "}");
            }
            carol.send("{\"type\":\"candidate\",\"id\":\"end\",\"to\":\"" + alice.id() + "\",\"candidate\":null}");
            for (int i = 0; i < 10; i++) {
                JsonNode candidate = alice.expect("candidate");
                assertThat(candidate.path("from").asText()).isEqualTo(carol.id());
                assertThat(candidate.path("candidate").path("candidate").asText()).contains("typ host");
            }
            assertThat(alice.expect("candidate").path("candidate").isNull()).as("end-of-candidates, last").isTrue();

            alice.send(Map.of("type", "offer", "id", "o2", "to", "p_nobody", "sdp", SDP));
            assertThat(alice.expect("error").path("code").asText()).isEqualTo("not-found");

            // Everyone talks at once, from three nodes: each client sees the same chats in the same order.
            for (int i = 0; i < MESSAGES_EACH; i++) {
                alice.send(Map.of("type", "chat", "text", "alice " + i));
                bob.send(Map.of("type", "chat", "text", "bob " + i));
                carol.send(Map.of("type", "chat", "text", "carol " + i));
            }
            List<String> seenByAlice = chats(alice, 3 * MESSAGES_EACH);
            assertThat(chats(bob, 3 * MESSAGES_EACH)).isEqualTo(seenByAlice);
            assertThat(chats(carol, 3 * MESSAGES_EACH)).isEqualTo(seenByAlice);
            for (String who : List.of("alice", "bob", "carol")) {
                List<String> own = seenByAlice.stream().filter(line -> line.contains(" " + who + " ")).toList();
                assertThat(own).as("%s's messages in the order sent", who).isSortedAccordingTo(
                        (a, b) -> Integer.compare(Integer.parseInt(a.substring(a.lastIndexOf(' ') + 1)),
                                Integer.parseInt(b.substring(b.lastIndexOf(' ') + 1))));
            }

            bob.closeNormally();
            JsonNode left = carol.expect("participant-left");
            assertThat(left.path("participantId").asText()).isEqualTo(bob.id());
            assertThat(left.path("reason").asText()).isEqualTo("left");
            assertThat(alice.expect("participant-left").path("seq").asLong()).isEqualTo(left.path("seq").asLong());
        }
    }

    /** "seq sender text" of the next {@code count} chats, checking that seq grows by one each time. */
    static List<String> chats(WsClient client, int count) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long previous = -1;
        for (int i = 0; i < count; i++) {
            JsonNode chat = client.expect("chat");
            long seq = chat.path("seq").asLong();
            if (previous >= 0) {
                assertThat(seq).as("seq after %s", previous).isEqualTo(previous + 1);
            }
            previous = seq;
            seen.add(seq + " " + chat.path("text").asText());
        }
        return seen;
    }

    static void assertListed(JsonNode listeners, boolean listed) {
        assertThat(listeners.path("listed").asBoolean()).as("listed: %s", listeners).isEqualTo(listed);
    }
}
