package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class JoinIT {
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
    void theFirstFrameIsJoinedWithTheParticipantAndTheSessionSettings() throws Exception {
        String token = node.issuer().issue(TokenRequest.builder("join-first", "alice").name("Alice")
                .role(Role.HOST).metadata("{\"avatar\":\"a.png\"}").build());
        try (WsClient alice = WsClient.connect(node.rtc(token))) {
            JsonNode joined = alice.awaitJoined();
            assertThat(joined.path("protocol").asInt()).isEqualTo(1);
            assertThat(joined.path("room").asText()).isEqualTo("join-first");
            assertThat(joined.path("sessionId").asText()).startsWith("s_");
            JsonNode me = joined.path("participant");
            assertThat(me.path("id").asText()).startsWith("p_");
            assertThat(me.path("identity").asText()).isEqualTo("alice");
            assertThat(me.path("name").asText()).isEqualTo("Alice");
            assertThat(me.path("role").asText()).isEqualTo("host");
            assertThat(me.path("metadata").asText()).isEqualTo("{\"avatar\":\"a.png\"}");
            assertThat(joined.path("participants").isArray()).isTrue();
            assertThat(joined.path("participants")).isEmpty();
            assertThat(joined.path("iceServers").isArray()).isTrue();
            assertThat(joined.path("pingInterval").asLong()).isEqualTo(10_000);
            assertThat(joined.path("pingTimeout").asLong()).isEqualTo(30_000);
        }
    }

    @Test
    void aLaterJoinerSeesTheOthersAndTheOthersSeeItArrive() throws Exception {
        try (WsClient alice = node.join("join-list", "alice");
             WsClient bob = node.join("join-list", "bob")) {
            JsonNode others = bob.joined().path("participants");
            assertThat(others).hasSize(1);
            assertThat(others.get(0).path("id").asText()).isEqualTo(alice.id());
            assertThat(others.get(0).path("identity").asText()).isEqualTo("alice");

            JsonNode arrived = alice.expect("participant-joined");
            assertThat(arrived.path("participant").path("id").asText()).isEqualTo(bob.id());
            assertThat(arrived.path("participant").path("identity").asText()).isEqualTo("bob");
            assertThat(arrived.path("seq").asLong()).isEqualTo(bob.joined().path("seq").asLong());
        }
    }

    @Test
    void leaveIsAcknowledgedClosesTheConnectionAndTellsTheOthers() throws Exception {
        try (WsClient alice = node.join("join-leave", "alice");
             WsClient bob = node.join("join-leave", "bob")) {
            alice.expect("participant-joined");
            bob.send("{\"type\":\"leave\",\"id\":\"l1\"}");
            assertThat(bob.expect("ack").path("id").asText()).isEqualTo("l1");
            assertThat(bob.awaitClose()).isEqualTo(new WsClient.Close(1000, "left"));

            JsonNode left = alice.expect("participant-left");
            assertThat(left.path("participantId").asText()).isEqualTo(bob.id());
            assertThat(left.path("reason").asText()).isEqualTo("left");
        }
    }

    @Test
    void aDroppedConnectionIsReportedAsDisconnected() throws Exception {
        try (WsClient alice = node.join("join-drop", "alice")) {
            WsClient bob = node.join("join-drop", "bob");
            alice.expect("participant-joined");
            bob.close(); // abort: no close handshake
            JsonNode left = alice.expect("participant-left");
            assertThat(left.path("participantId").asText()).isEqualTo(bob.id());
            assertThat(left.path("reason").asText()).isIn("disconnected", "left");
        }
    }

    @Test
    void aConnectionDroppedByTheServerEndsLikeANetworkFailure() throws Exception {
        try (WsClient alice = node.join("join-kill", "alice");
             WsClient bob = node.join("join-kill", "bob")) {
            alice.expect("participant-joined");
            assertThat(node.node().dropConnection(bob.id())).isTrue();
            assertThat(bob.awaitClose().code()).isNotEqualTo(1000);
            JsonNode left = alice.expect("participant-left");
            assertThat(left.path("participantId").asText()).isEqualTo(bob.id());
            assertThat(left.path("reason").asText()).isEqualTo("disconnected");
            assertThat(node.node().dropConnection(bob.id())).isFalse();
        }
    }

    @Test
    void theTokenMayComeInAnAuthorizationHeader() throws Exception {
        String token = node.token("join-header", "carol", Role.LISTENER);
        WsClient carol = new WsClient();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(URI.create("ws://127.0.0.1:" + node.port() + "/rtc"), carol)
                .get(10, TimeUnit.SECONDS);
        try {
            assertThat(carol.awaitJoined().path("participant").path("role").asText()).isEqualTo("listener");
        } finally {
            socket.abort();
        }
    }

    @Test
    void hiddenParticipantsAreNeitherListedNorAnnounced() throws Exception {
        String token = node.issuer().issue(TokenRequest.builder("join-hidden", "recorder").role(Role.LISTENER)
                .grants(new Grants(false, true, false, false, true)).build());
        try (WsClient alice = node.join("join-hidden", "alice");
             WsClient recorder = WsClient.connect(node.rtc(token))) {
            recorder.awaitJoined();
            alice.expectSilence(Duration.ofMillis(300));
            try (WsClient bob = node.join("join-hidden", "bob")) {
                assertThat(bob.joined().path("participants")).extracting(p -> p.path("identity").asText())
                        .containsExactly("alice");
            }
        }
    }

    @Test
    void pingIsAnsweredWithPong() throws Exception {
        try (WsClient alice = node.join("join-ping", "alice")) {
            alice.send("{\"type\":\"ping\",\"id\":\"k1\"}");
            JsonNode pong = alice.next();
            assertThat(pong.path("type").asText()).isEqualTo("pong");
            assertThat(pong.path("id").asText()).isEqualTo("k1");
        }
    }
}
