package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.LoopbackPorts;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node run as an operator runs it, from the server jar with its own logging, goes through
 * joins, a resume, refusals of every kind of bad token, REST calls and webhooks that fail until
 * they are dead-lettered; what it printed holds none of the tokens, none of their signatures,
 * and none of the secrets it was given or derived.
 */
@Timeout(120)
class SecretsStayOutOfLogsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ROOM = "logs-room";
    private static final String TURN_SECRET = "turn-secret-that-only-coturn-and-bifrost-know";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));

    private final List<String> tokens = new ArrayList<>();

    @Test
    void whatANodePrintsHoldsNoTokenAndNoSecret() throws Exception {
        int nobodyListens = LoopbackPorts.free();
        try (NodeProcess node = NodeProcess.start(Map.of(
                "BIFROST_ICE_URLS", "turn:127.0.0.1:3478",
                "BIFROST_ICE_TURN_SECRET", TURN_SECRET,
                "BIFROST_WEBHOOKS_URL", "http://127.0.0.1:" + nobodyListens + "/webhooks",
                "BIFROST_WEBHOOKS_MAX_ATTEMPTS", "2",
                "BIFROST_WEBHOOKS_INITIAL_BACKOFF", "100ms",
                "BIFROST_WEBHOOKS_MAX_BACKOFF", "100ms"))) {
            List<String> turnCredentials = new ArrayList<>();
            String aliceId;
            try (WsClient alice = join(node, "alice", Role.HOST); WsClient bob = join(node, "bob", Role.SPEAKER)) {
                aliceId = alice.id();
                turnCredentials.add(turnCredential(alice.joined()));
                turnCredentials.add(turnCredential(bob.joined()));
                long seq = alice.expect("participant-joined").path("seq").asLong();
                String bobSession = bob.sessionId();
                bob.close(); // the connection drops; bob comes back with a fresh token
                try (WsClient back = WsClient.connect(URI.create(rtc(node, token("bob", Role.SPEAKER))
                        + "&session=" + bobSession + "&lastSeq=" + seq))) {
                    turnCredentials.add(turnCredential(back.awaitResumed()));
                    back.send(Map.of("type", "chat", "id", "c1", "text", "hello"));
                    back.expect("ack");
                    back.closeNormally();
                }
                refuseBadTokens(node);
                callTheRestApi(node);
                alice.closeNormally();
            }
            awaitOutput(node, "dead-lettered");

            String log = node.output();
            assertThat(log).as("what the node printed").contains(aliceId + " joined room " + ROOM, "resumed session",
                    "REST: creating room", "dead-lettered");
            for (String token : tokens) {
                assertThat(log).as("what the node printed").doesNotContain(token);
                if (!signature(token).isEmpty()) { // an unsigned token has none
                    assertThat(log).as("what the node printed").doesNotContain(signature(token));
                }
            }
            assertThat(log).as("what the node printed").doesNotContain(TestNode.SECRET).doesNotContain(TURN_SECRET);
            for (String credential : turnCredentials) {
                assertThat(log).as("what the node printed").doesNotContain(credential);
            }
        }
    }

    private WsClient join(NodeProcess node, String identity, Role role) throws Exception {
        WsClient client = WsClient.connect(URI.create(rtc(node, token(identity, role))));
        client.awaitJoined();
        return client;
    }

    private String token(String identity, Role role) {
        return kept(ISSUER.issue(TokenRequest.builder(ROOM, identity).role(role).build()));
    }

    /** Forged, tampered, expired, for another audience, for another room, and not signed at all. */
    private void refuseBadTokens(NodeProcess node) throws Exception {
        String valid = token("carol", Role.SPEAKER);
        String[] parts = valid.split("\\.");
        List<String> bad = List.of(
                TokenIssuer.hmac(TestNode.KEY_ID, "another-secret-of-the-same-length-as-ours".getBytes(StandardCharsets.UTF_8))
                        .issue(TokenRequest.builder(ROOM, "mallory").role(Role.HOST).build()),
                parts[0] + "." + parts[1] + "x." + parts[2],
                ISSUER.withClock(Clock.fixed(Instant.now().minus(Duration.ofDays(7)), ZoneOffset.UTC))
                        .issue(TokenRequest.builder(ROOM, "dave").ttl(Duration.ofHours(1)).build()),
                ISSUER.withAudience("another-service").issue(TokenRequest.builder(ROOM, "erin").build()),
                "eyJhbGciOiJub25lIn0." + parts[1] + ".");
        for (String token : bad) {
            assertThat(upgrade(node, kept(token), "").status()).as("the upgrade with a bad token").isEqualTo(401);
        }
        assertThat(upgrade(node, valid, "&room=another-room").status()).as("the upgrade for another room").isEqualTo(403);
    }

    private void callTheRestApi(NodeProcess node) throws Exception {
        String admin = kept(ISSUER.issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5)));
        assertThat(rest(node, "POST", "/api/v1/rooms", admin, "{\"name\":\"logs-other\"}")).isEqualTo(201);
        assertThat(rest(node, "GET", "/api/v1/rooms/" + ROOM + "/participants", admin, null)).isEqualTo(200);
        String participant = token("frank", Role.LISTENER);
        assertThat(rest(node, "GET", "/api/v1/rooms/" + ROOM + "/participants", participant, null))
                .as("a join token on the REST API").isEqualTo(401);
        String forged = kept(TokenIssuer.hmac(TestNode.KEY_ID, "another-secret-of-the-same-length-as-ours".getBytes(StandardCharsets.UTF_8))
                .issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5)));
        assertThat(rest(node, "DELETE", "/api/v1/rooms/logs-other", forged, null)).isEqualTo(401);
    }

    private String kept(String token) {
        tokens.add(token);
        return token;
    }

    private static String rtc(NodeProcess node, String token) {
        return "ws://127.0.0.1:" + node.port() + "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private static RawHttp.Reply upgrade(NodeProcess node, String token, String more) throws Exception {
        return RawHttp.upgrade(node.port(), "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + more, Map.of());
    }

    private static int rest(NodeProcess node, String method, String path, String token, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String turnCredential(JsonNode joinedOrResumed) {
        String credential = joinedOrResumed.path("iceServers").get(0).path("credential").asText();
        assertThat(credential).as("the TURN credential in %s", joinedOrResumed).isNotEmpty();
        return credential;
    }

    private static String signature(String token) {
        return token.substring(token.lastIndexOf('.') + 1);
    }

    private static void awaitOutput(NodeProcess node, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!node.output().contains(text)) {
            assertThat(System.nanoTime()).as("the node printing '%s'; it printed:%n%s", text, node.output()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
