package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenRequest;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Token refresh against a real node: a session is sent a fresh token before its own expires,
 * reconnects with it once the original is refused, and the fresh token says what the
 * participant is now.
 */
@Timeout(60)
class TokenRefreshIT {
    /** Short enough to watch a token expire, long enough for a join and a promotion within it. */
    private static final Duration LIFETIME = Duration.ofSeconds(4);

    private final TokenVerifier verifier = TokenVerifier.builder()
            .hmacKey(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8))
            .clockSkew(Duration.ZERO)
            .build();
    private TestNode node;

    @BeforeEach
    void start() throws Exception {
        // No clock skew: a token is refused the moment its exp passes.
        node = TestNode.start(Map.of("auth.clockSkew", "0s", "rooms.resumeWindow", "10s"));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void aSessionGetsAFreshTokenBeforeExpiryAndResumesWithItOnceTheOriginalIsRefused() throws Exception {
        String original = shortToken("refresh-1", "alice", Role.SPEAKER);
        Instant originalExpiry = verifier.verify(original).expiresAt();
        try (WsClient alice = WsClient.connect(node.rtc(original));
             WsClient bob = node.join("refresh-1", "bob")) {
            alice.awaitJoined();
            long lastSeq = alice.expect("participant-joined").path("seq").asLong();

            JsonNode frame = alice.expect("token");
            assertThat(Instant.now()).as("the fresh token came before the original expired").isBefore(originalExpiry);
            JoinClaims fresh = verifier.verify(frame.path("token").asText());
            assertThat(fresh.room()).isEqualTo("refresh-1");
            assertThat(fresh.identity()).isEqualTo("alice");
            assertThat(fresh.role()).isEqualTo(Role.SPEAKER);
            assertThat(fresh.keyId()).isEqualTo(TestNode.KEY_ID);
            assertThat(Duration.between(fresh.issuedAt(), fresh.expiresAt())).isEqualTo(LIFETIME);
            assertThat(fresh.expiresAt()).isAfter(originalExpiry);
            assertThat(frame.path("expiresAt").asLong()).isEqualTo(fresh.expiresAt().toEpochMilli());

            sleepUntil(originalExpiry.plusMillis(200));
            assertThat(node.node().dropConnection(alice.id())).isTrue();
            RawHttp.Reply refused = RawHttp.upgrade(node.port(), resumePath(original, alice.sessionId(), lastSeq), Map.of());
            assertThat(refused.status()).as("the original token, expired").isEqualTo(401);
            assertThat(refused.body()).contains("\"reason\":\"expired\"");

            String freshToken = frame.path("token").asText();
            try (WsClient back = WsClient.connect(node.rtc(freshToken, alice.sessionId(), lastSeq))) {
                assertThat(back.awaitResumed().path("participant").path("id").asText()).isEqualTo(alice.id());
                JsonNode again = back.expect("token");
                assertThat(Instant.now()).as("the next token came before the fresh one expired").isBefore(fresh.expiresAt());
                assertThat(verifier.verify(again.path("token").asText()).expiresAt()).isAfter(fresh.expiresAt());
                assertThat(bob.drain()).as("bob saw alice stay").noneMatch(f -> f.path("type").asText().equals("participant-left"));
            }
        }
    }

    @Test
    void theFreshTokenOfAPromotedListenerRejoinsAsASpeaker() throws Exception {
        try (WsClient host = node.join("refresh-2", "host", Role.HOST);
             WsClient listener = WsClient.connect(node.rtc(shortToken("refresh-2", "lee", Role.LISTENER)))) {
            listener.awaitJoined();
            host.send(Map.of("type", "promote", "id", "r1", "participantId", listener.id()));
            assertThat(host.expect("ack").path("id").asText()).isEqualTo("r1");
            assertThat(listener.expect("participant-updated").path("participant").path("role").asText()).isEqualTo("speaker");

            String fresh = listener.expect("token").path("token").asText();
            JoinClaims claims = verifier.verify(fresh);
            assertThat(claims.role()).isEqualTo(Role.SPEAKER);
            assertThat(claims.grants().canPublish()).isTrue();

            listener.send(Map.of("type", "leave", "id", "l1"));
            listener.awaitClose();
            try (WsClient again = WsClient.connect(node.rtc(fresh))) {
                assertThat(again.awaitJoined().path("participant").path("role").asText()).isEqualTo("speaker");
            }
        }
    }

    @Test
    void aSessionThatLeftGetsNoFurtherToken() throws Exception {
        try (WsClient leaves = WsClient.connect(node.rtc(shortToken("refresh-3", "alice", Role.SPEAKER)))) {
            leaves.awaitJoined();
            leaves.send(Map.of("type", "leave", "id", "l1"));
            assertThat(leaves.expect("ack").path("id").asText()).isEqualTo("l1");
            leaves.awaitClose();
        }
        try (WsClient stays = WsClient.connect(node.rtc(shortToken("refresh-3", "bob", Role.SPEAKER)))) {
            stays.awaitJoined();
            stays.expect("token");
            stays.send(Map.of("type", "leave", "id", "l2"));
            stays.awaitClose();
        }
        // Both sessions' tokens would have been due again meanwhile, had they not left.
        Thread.sleep(LIFETIME.toMillis());
        assertThat(node.get("/metrics").body()).as("one token, to bob while he was in the room")
                .contains("bifrost_tokens_refreshed_total 1.0");
    }

    private String shortToken(String room, String identity, Role role) {
        return node.issuer().issue(TokenRequest.builder(room, identity).role(role).ttl(LIFETIME).build());
    }

    private static String resumePath(String token, String sessionId, long lastSeq) {
        return "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&session=" + sessionId
                + "&lastSeq=" + lastSeq;
    }

    private static void sleepUntil(Instant instant) throws InterruptedException {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
