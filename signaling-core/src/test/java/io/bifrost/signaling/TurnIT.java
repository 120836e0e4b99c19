package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.signaling.protocol.IceServer;
import io.bifrost.signaling.session.IceServers;
import io.bifrost.signaling.testing.CoturnFixture;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TURN credentials handed out in {@code joined} and {@code resumed}, checked by a real coturn. */
@Timeout(90)
class TurnIT {
    private static final String SECRET = "north-gate-turn-secret";
    private static CoturnFixture coturn;
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        coturn = CoturnFixture.start(SECRET);
        String turn = "127.0.0.1:" + coturn.port();
        node = TestNode.start(Map.of("ice.urls", "stun:" + turn + ",turn:" + turn + "?transport=udp",
                "ice.turnSecret", SECRET, "ice.turnCredentialTtl", "1h", "rooms.resumeWindow", "20s"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (coturn != null) {
            coturn.close();
        }
    }

    @Test
    void theCredentialsInJoinedAllocateARelay() throws Exception {
        try (WsClient alice = node.join("turn-join", "alice")) {
            JsonNode turn = turnEntry(alice.joined());

            CoturnFixture.Allocation allocation = coturn.allocate(turn.path("username").asText(), turn.path("credential").asText());

            assertThat(allocation.relayed()).as(allocation.output()).isTrue();
        }
    }

    @Test
    void aResumedSessionGetsCredentialsThatStillAllocate() throws Exception {
        try (WsClient bob = node.join("turn-resume", "bob")) {
            assertThat(node.node().dropConnection(bob.id())).isTrue();
            try (WsClient again = node.resume("turn-resume", "bob", bob.sessionId(), bob.joined().path("seq").asLong())) {
                JsonNode turn = turnEntry(again.awaitResumed());

                CoturnFixture.Allocation allocation = coturn.allocate(turn.path("username").asText(), turn.path("credential").asText());

                assertThat(allocation.relayed()).as(allocation.output()).isTrue();
            }
        }
    }

    @Test
    void expiredCredentialsAreRefused() throws Exception {
        // Issued seven hours ago for six: expired an hour ago.
        Clock sevenHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(7)), ZoneOffset.UTC);
        IceServer expired = new IceServers(List.of("turn:127.0.0.1:" + coturn.port()), SECRET, Duration.ofHours(6), sevenHoursAgo)
                .forParticipant("p_expired00000").get(0);

        CoturnFixture.Allocation allocation = coturn.allocate(expired.username(), expired.credential());

        assertThat(allocation.relayed()).isFalse();
        assertThat(allocation.output()).contains("Cannot complete Allocation");
    }

    @Test
    void credentialsSignedWithAnotherSecretAreRefused() throws Exception {
        IceServer forged = new IceServers(List.of("turn:127.0.0.1:" + coturn.port()), "not-the-turn-secret",
                Duration.ofHours(6), Clock.systemUTC()).forParticipant("p_forged000000").get(0);

        CoturnFixture.Allocation allocation = coturn.allocate(forged.username(), forged.credential());

        assertThat(allocation.relayed()).isFalse();
        assertThat(allocation.output()).contains("Cannot complete Allocation");
    }

    /** The TURN entry of {@code iceServers}: after the STUN one, with this participant's id in its username. */
    private static JsonNode turnEntry(JsonNode joinedOrResumed) {
        JsonNode servers = joinedOrResumed.path("iceServers");
        assertThat(servers).hasSize(2);
        assertThat(servers.get(0).path("urls").get(0).asText()).startsWith("stun:");
        assertThat(servers.get(0).has("username")).isFalse();
        JsonNode turn = servers.get(1);
        assertThat(turn.path("urls").get(0).asText()).startsWith("turn:");
        String participantId = joinedOrResumed.path("participant").path("id").asText();
        assertThat(turn.path("username").asText()).matches("\\d+:" + participantId);
        long expiry = Long.parseLong(turn.path("username").asText().split(":")[0]);
        assertThat(expiry - Instant.now().getEpochSecond()).isBetween(3500L, 3600L);
        return turn;
    }
}
