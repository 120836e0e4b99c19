package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** auth.reuseAfterLeave: whether a token whose participant left or was removed may join again. */
class TokenReuseIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> REFUSE = Map.of("auth.reuseAfterLeave", "refuse");

    @Test
    void byDefaultATokenJoinsAgainAfterItsParticipantLeft() throws Exception {
        try (TestNode node = TestNode.start()) {
            String token = node.token("reuse-allowed", "ann", Role.SPEAKER);
            leave(node, token);
            try (WsClient again = WsClient.connect(node.rtc(token))) {
                assertThat(again.awaitJoined().path("participant").path("identity").asText()).isEqualTo("ann");
            }
        }
    }

    @Test
    void withRefuseATokenWhoseParticipantLeftIsSpentAndAnotherTokenJoins() throws Exception {
        try (TestNode node = TestNode.start(REFUSE)) {
            String token = node.token("reuse-refused", "ann", Role.SPEAKER);
            leave(node, token);

            assertSpent(node, token);
            // Another token: minted with the same claims in the same second, a token would be the same one.
            String another = node.issuer().issue(io.bifrost.auth.TokenRequest.builder("reuse-refused", "ann").role(Role.SPEAKER)
                    .ttl(Duration.ofMinutes(30)).build());
            try (WsClient fresh = WsClient.connect(node.rtc(another))) {
                assertThat(fresh.awaitJoined().path("room").asText()).as("a new token from the backend").isEqualTo("reuse-refused");
            }
        }
    }

    @Test
    void aRemovedParticipantCannotComeBackWithItsTokenOnAnyNodeOfTheCluster() throws Exception {
        try (RedisFixture redis = RedisFixture.start()) {
            List<TestNode> nodes = refusingCluster(redis);
            try {
                TestNode first = nodes.get(0);
                String token = first.token("reuse-removed", "eve", Role.SPEAKER);
                try (WsClient eve = WsClient.connect(first.rtc(token))) {
                    String id = eve.awaitJoined().path("participant").path("id").asText();
                    String admin = first.issuer().issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
                    HttpResponse<String> removed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + first.port() + "/api/v1/rooms/reuse-removed/participants/" + id))
                            .header("Authorization", "Bearer " + admin).DELETE().build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(removed.statusCode()).isEqualTo(204);
                    assertThat(eve.awaitClose().reason()).isEqualTo("removed");
                }
                assertSpent(nodes.get(1), token);
            } finally {
                nodes.forEach(TestNode::close);
            }
        }
    }

    @Test
    void theTokenASessionJoinedWithIsSpentWhenItLeavesAfterResumingWithAFreshOne() throws Exception {
        try (TestNode node = TestNode.start(REFUSE)) {
            String[] tokens = resumeWithAFreshTokenAndLeave(node, node, "reuse-resumed");
            assertSpent(node, tokens[1]);
            assertSpent(node, tokens[0]);
        }
    }

    @Test
    void theTokenASessionJoinedWithIsSpentWhenItLeavesAnotherNodeItResumedOnWithAFreshOne() throws Exception {
        try (RedisFixture redis = RedisFixture.start()) {
            List<TestNode> nodes = refusingCluster(redis);
            try {
                // Only the first node knows the original token: the session resumed on the second with the fresh one.
                String[] tokens = resumeWithAFreshTokenAndLeave(nodes.get(0), nodes.get(1), "reuse-moved");
                assertSpent(nodes.get(1), tokens[1]);
                assertSpent(nodes.get(1), tokens[0]);
                assertSpent(nodes.get(0), tokens[0]);
            } finally {
                nodes.forEach(TestNode::close);
            }
        }
    }

    /**
     * A listener joins on {@code joinedOn} and is promoted, which sends it a fresh token; its
     * connection drops and it resumes on {@code resumedOn} with the fresh token, then leaves.
     *
     * @return the original token and the fresh one
     */
    private static String[] resumeWithAFreshTokenAndLeave(TestNode joinedOn, TestNode resumedOn, String room) throws Exception {
        try (WsClient host = joinedOn.join(room, "host", Role.HOST)) {
            String original = joinedOn.token(room, "lee", Role.LISTENER);
            String fresh;
            String sessionId;
            long lastSeq;
            try (WsClient lee = WsClient.connect(joinedOn.rtc(original))) {
                sessionId = lee.awaitJoined().path("sessionId").asText();
                host.send(Map.of("type", "promote", "id", "r1", "participantId", lee.id()));
                lastSeq = lee.expect("participant-updated").path("seq").asLong();
                fresh = lee.expect("token").path("token").asText(); // its role changed: a token that says so
                assertThat(joinedOn.node().dropConnection(lee.id())).isTrue();
            }
            try (WsClient back = WsClient.connect(resumedOn.rtc(fresh, sessionId, lastSeq))) {
                back.awaitResumed();
                back.send(Map.of("type", "leave", "id", "l1"));
                back.awaitClose();
            }
            return new String[] {original, fresh};
        }
    }

    /** Two nodes sharing the Redis, both refusing spent tokens. */
    private static List<TestNode> refusingCluster(RedisFixture redis) throws Exception {
        Map<String, String> config = new java.util.HashMap<>(REFUSE);
        config.put("redis.url", redis.url());
        return TestNode.startAll(2, config);
    }

    private static void leave(TestNode node, String token) throws Exception {
        try (WsClient ann = WsClient.connect(node.rtc(token))) {
            ann.awaitJoined();
            ann.send(Map.of("type", "leave", "id", "l1"));
            ann.awaitClose();
        }
    }

    private static void assertSpent(TestNode node, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        RawHttp.Reply reply = RawHttp.upgrade(node.port(), "/rtc?access_token=" + token, Map.of());
        while (reply.status() == 101 && System.nanoTime() < deadline) { // the leave is written on its way out
            Thread.sleep(50);
            reply = RawHttp.upgrade(node.port(), "/rtc?access_token=" + token, Map.of());
        }
        assertThat(reply.status()).isEqualTo(401);
        JsonNode body = JSON.readTree(reply.body());
        assertThat(body.path("reason").asText()).isEqualTo("token-spent");
    }
}
