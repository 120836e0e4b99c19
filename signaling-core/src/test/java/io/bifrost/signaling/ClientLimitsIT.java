package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.PrometheusText;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Limits on what one client address or browser origin may open, refused before the upgrade. */
class ClientLimitsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onlyPagesOfAnAllowedOriginConnectAndClientsWithoutAnOriginAreNotAffected() throws Exception {
        try (TestNode node = TestNode.start(Map.of("server.allowedOrigins", "https://app.example.org"))) {
            String query = "/rtc?access_token=" + node.token("origins", "eve", Role.LISTENER);
            RawHttp.Reply refused = RawHttp.upgrade(node.port(), query, Map.of("Origin", "https://evil.example.com"));
            assertThat(refused.status()).isEqualTo(403);
            assertThat(JSON.readTree(refused.body()).path("reason").asText()).isEqualTo("origin-not-allowed");

            try (WsClient page = WsClient.connect(node.rtc(node.token("origins", "ann", Role.LISTENER)),
                         Map.of("Origin", "https://app.example.org"));
                 WsClient backend = node.join("origins", "bot")) {
                page.awaitJoined();
                assertThat(backend.joined().path("participants")).hasSize(1);
            }
            assertThat(node.get("/metrics").body()).contains("outcome=\"origin-not-allowed\"");

            // Pages of an allowed origin may read why a token was refused; others may not.
            assertThat(validate(node, "https://app.example.org").headers().firstValue("Access-Control-Allow-Origin"))
                    .contains("https://app.example.org");
            assertThat(validate(node, "https://evil.example.com").headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
        try (TestNode open = TestNode.start()) {
            assertThat(validate(open, "http://localhost:5173").headers().firstValue("Access-Control-Allow-Origin"))
                    .as("no allow-list: every origin").contains("http://localhost:5173");
        }
    }

    private static HttpResponse<String> validate(TestNode node, String origin) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.port() + "/rtc/validate?access_token=expired.or.forged"))
                .header("Origin", origin).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAddressHoldsAtMostItsConnectionsAndGetsOneBackWhenOneCloses() throws Exception {
        try (TestNode node = TestNode.start(Map.of("limits.connectionsPerIp", "2"))) {
            WsClient ann = node.join("crowd", "ann");
            try (WsClient bob = node.join("crowd", "bob")) {
                RawHttp.Reply third = RawHttp.upgrade(node.port(), "/rtc?access_token=" + node.token("crowd", "carl", Role.LISTENER),
                        Map.of());
                assertThat(third.status()).isEqualTo(429);
                assertThat(JSON.readTree(third.body()).path("code").asText()).isEqualTo("rate-limited");
                assertThat(JSON.readTree(third.body()).path("reason").asText()).isEqualTo("too-many-connections");

                ann.closeNormally();
                ann.awaitClose();
                bob.expect("participant-left");
                try (WsClient carl = node.join("crowd", "carl")) {
                    assertThat(carl.joined().path("participants")).hasSize(1);
                }
            }
        }
    }

    @Test
    void anAddressThatJoinsTooFastIsRefusedBeforeItsTokenIsChecked() throws Exception {
        try (TestNode node = TestNode.start(Map.of("limits.joinsPerSecondPerIp", "3"))) {
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                RawHttp.Reply reply = RawHttp.upgrade(node.port(), "/rtc?access_token=forged.token.here", Map.of());
                if (reply.status() == 429) {
                    assertThat(JSON.readTree(reply.body()).path("reason").asText()).isEqualTo("join-rate");
                    refused++;
                } else {
                    assertThat(reply.status()).as("a bad token, checked while under the rate").isEqualTo(401);
                }
            }
            assertThat(refused).as("6 joins at once against 3 a second").isGreaterThanOrEqualTo(2);
            assertThat(node.get("/metrics").body()).contains("outcome=\"join-rate\"");
        }
    }

    @Test
    void aRoomTakesAtMostItsJoinsASecondAndOtherRoomsAreNotPaced() throws Exception {
        try (TestNode node = TestNode.start(Map.of("limits.joinsPerSecondPerRoom", "3"))) {
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                RawHttp.Reply reply = RawHttp.upgrade(node.port(), "/rtc?access_token="
                        + node.token("rushed", "fan-" + i, Role.LISTENER), Map.of());
                if (reply.status() == 429) {
                    assertThat(JSON.readTree(reply.body()).path("reason").asText()).isEqualTo("room-join-rate");
                    refused++;
                } else {
                    assertThat(reply.status()).isEqualTo(101);
                }
            }
            assertThat(refused).as("6 joins at once against 3 a second").isGreaterThanOrEqualTo(2);
            RawHttp.Reply elsewhere = RawHttp.upgrade(node.port(), "/rtc?access_token="
                    + node.token("quiet", "someone", Role.LISTENER), Map.of());
            assertThat(elsewhere.status()).as("another room is not paced").isEqualTo(101);
            assertThat(node.get("/metrics").body()).contains("outcome=\"room-join-rate\"");
        }
    }

    @Test
    void aRoomTakesAtMostItsChatMessagesASecondWhateverTheSender() throws Exception {
        try (TestNode node = TestNode.start(Map.of("limits.messagesPerSecondPerRoom", "4"));
             WsClient ann = node.join("chatty", "ann", Role.SPEAKER);
             WsClient bob = node.join("chatty", "bob", Role.SPEAKER);
             WsClient other = node.join("calm", "cid", Role.SPEAKER)) {
            for (int i = 0; i < 4; i++) { // at once: a slow machine must not see the bucket refill meanwhile
                ann.send(Map.of("type", "chat", "id", "c" + i, "text", "hi " + i));
            }
            for (int i = 0; i < 4; i++) {
                assertThat(ann.expect("ack").path("id").asText()).isEqualTo("c" + i);
            }
            bob.send(Map.of("type", "chat", "id", "b1", "text", "the room's budget is spent, whoever sends"));
            JsonNode refusal = bob.expect("error");
            assertThat(refusal.path("code").asText()).isEqualTo("rate-limited");
            assertThat(refusal.path("id").asText()).isEqualTo("b1");
            other.send(Map.of("type", "chat", "id", "d1", "text", "another room chats on"));
            assertThat(other.expect("ack").path("id").asText()).isEqualTo("d1");
            String metrics = node.get("/metrics").body();
            assertThat(PrometheusText.counter(metrics, "bifrost_errors_total", "code", "room-rate-limited"))
                    .as("refusals for the room's rate").isEqualTo(1);
            assertThat(PrometheusText.counter(metrics, "bifrost_errors_total", "code", "rate-limited"))
                    .as("refusals for a session's own rate").isZero();
        }
    }

    @Test
    void aNodeHoldsAtMostItsRoomsAndStillTakesJoinsToThoseItHolds() throws Exception {
        try (TestNode node = TestNode.start(Map.of("limits.roomsPerNode", "2"));
             WsClient first = node.join("first-room", "ann", Role.SPEAKER)) {
            WsClient second = node.join("second-room", "bob", Role.SPEAKER);

            RawHttp.Reply refused = RawHttp.upgrade(node.port(), "/rtc?access_token=" + node.token("third-room", "cid", Role.SPEAKER),
                    Map.of());
            assertThat(refused.status()).isEqualTo(503);
            assertThat(JSON.readTree(refused.body()).path("reason").asText()).isEqualTo("room-limit");
            assertThat(PrometheusText.counter(node.get("/metrics").body(), "bifrost_joins_total", "outcome", "room-limit"))
                    .as("joins refused for the node's room limit").isEqualTo(1);
            try (WsClient more = node.join("first-room", "dan", Role.SPEAKER)) {
                assertThat(more.joined().path("room").asText()).as("a room the node holds takes joins").isEqualTo("first-room");
            }

            second.closeNormally();
            long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
            RawHttp.Reply later;
            do {
                Thread.sleep(50);
                later = RawHttp.upgrade(node.port(), "/rtc?access_token=" + node.token("third-room", "cid", Role.SPEAKER), Map.of());
            } while (later.status() != 101 && System.nanoTime() < deadline);
            assertThat(later.status()).as("once a room is gone, another fits").isEqualTo(101);
        }
    }
}
