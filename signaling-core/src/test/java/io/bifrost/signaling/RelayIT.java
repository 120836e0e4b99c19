package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RelayIT {
    private static final String SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void offerAnswerAndCandidatesReachTheTargetWithFromInsteadOfTo() throws Exception {
        try (WsClient alice = node.join("relay", "alice");
             WsClient bob = node.join("relay", "bob")) {
            alice.expect("participant-joined");

            alice.send(Map.of("type", "offer", "id", "o1", "to", bob.id(), "sdp", SDP));
            assertThat(alice.expect("ack").path("id").asText()).isEqualTo("o1");
            JsonNode offer = bob.expect("offer");
            assertThat(offer.path("from").asText()).isEqualTo(alice.id());
            assertThat(offer.path("sdp").asText()).isEqualTo(SDP);
            assertThat(offer.has("to")).isFalse();
            assertThat(offer.has("id")).isFalse();

            bob.send(Map.of("type", "answer", "id", "a1", "to", alice.id(), "sdp", SDP));
            assertThat(bob.expect("ack").path("id").asText()).isEqualTo("a1");
            JsonNode answer = alice.expect("answer");
            assertThat(answer.path("from").asText()).isEqualTo(bob.id());
            assertThat(answer.path("sdp").asText()).isEqualTo(SDP);

            String candidate = "{\"candidate\":\"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
            alice.send("{\"type\":\"candidate\",\"id\":\"i1\",\"to\":\"" + bob.id() + "\",\"candidate\":" + candidate + "}");
            alice.send("{\"type\":\"candidate\",\"id\":\"i2\",\"to\":\"" + bob.id() + "\",\"candidate\":null}");
            JsonNode first = bob.expect("candidate");
            assertThat(first.path("from").asText()).isEqualTo(alice.id());
            assertThat(first.path("candidate").path("candidate").asText()).contains("127.0.0.1 50000 typ host");
            assertThat(first.path("candidate").path("sdpMLineIndex").asInt()).isEqualTo(0);
            JsonNode end = bob.expect("candidate");
            assertThat(end.has("candidate")).isTrue();
            assertThat(end.path("candidate").isNull()).isTrue();
            assertThat(alice.expect("ack").path("id").asText()).isEqualTo("i1");
            assertThat(alice.expect("ack").path("id").asText()).isEqualTo("i2");
        }
    }

    @Test
    void aSignalToAnUnknownParticipantIsNotFound() throws Exception {
        try (WsClient alice = node.join("relay-unknown", "alice")) {
            alice.send(Map.of("type", "offer", "id", "o1", "to", "p_doesnotexist", "sdp", SDP));
            JsonNode error = alice.expect("error");
            assertThat(error.path("id").asText()).isEqualTo("o1");
            assertThat(error.path("code").asText()).isEqualTo("not-found");
            assertThat(error.path("message").asText()).contains("p_doesnotexist");
        }
    }

    @Test
    void aTokenForOneRoomCanNeitherReachNorReadAnotherRoom() throws Exception {
        try (WsClient alice = node.join("room-a", "alice");
             WsClient mallory = node.join("room-b", "mallory");
             WsClient bob = node.join("room-a", "bob")) {
            alice.expect("participant-joined");
            assertThat(mallory.joined().path("participants")).isEmpty();

            mallory.send(Map.of("type", "offer", "id", "x1", "to", alice.id(), "sdp", SDP));
            assertThat(mallory.expect("error").path("code").asText()).isEqualTo("not-found");
            mallory.send(Map.of("type", "chat", "id", "x2", "text", "hello room b"));
            assertThat(mallory.expect("chat").path("text").asText()).isEqualTo("hello room b");

            alice.send(Map.of("type", "chat", "id", "c1", "text", "only room a"));
            assertThat(bob.expect("chat").path("text").asText()).isEqualTo("only room a");
            alice.expect("chat");

            // room b's traffic never reached room a, and room a's never reached room b
            assertThat(alice.drain()).extracting(f -> f.path("type").asText()).doesNotContain("offer", "chat");
            assertThat(bob.drain()).extracting(f -> f.path("type").asText()).doesNotContain("offer", "chat");
            mallory.expect("ack");
            mallory.expectSilence(Duration.ofMillis(300));
        }
    }

    @Test
    void chatReachesEveryoneInRoomOrderAndIsAcknowledgedWithItsSeq() throws Exception {
        try (WsClient alice = node.join("relay-chat", "alice");
             WsClient bob = node.join("relay-chat", "bob", Role.LISTENER)) {
            alice.expect("participant-joined");
            alice.send(Map.of("type", "chat", "id", "c1", "text", "first"));
            bob.send(Map.of("type", "chat", "id", "c2", "text", "second"));

            JsonNode ack1 = alice.expect("ack");
            JsonNode ack2 = bob.expect("ack");
            for (WsClient client : new WsClient[] {alice, bob}) {
                JsonNode first = client.expect("chat");
                JsonNode second = client.expect("chat");
                assertThat(second.path("seq").asLong()).isEqualTo(first.path("seq").asLong() + 1);
                assertThat(first.path("ts").asLong()).isPositive();
            }
            assertThat(ack1.path("seq").asLong()).isNotEqualTo(ack2.path("seq").asLong());
        }
    }

    @Test
    void aParticipantWithoutTheDataGrantCannotChat() throws Exception {
        String token = node.issuer().issue(io.bifrost.auth.TokenRequest.builder("relay-muted", "quiet")
                .role(Role.LISTENER).grants(new io.bifrost.auth.Grants(false, true, false, false, false)).build());
        try (WsClient quiet = WsClient.connect(node.rtc(token))) {
            quiet.awaitJoined();
            quiet.send(Map.of("type", "chat", "id", "c1", "text", "let me speak"));
            JsonNode error = quiet.expect("error");
            assertThat(error.path("code").asText()).isEqualTo("forbidden");
            assertThat(error.path("id").asText()).isEqualTo("c1");
        }
    }
}
