package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node process killed with SIGKILL: the others notice within 5 s and its participants leave everywhere. */
@Timeout(120)
class NodeFailureIT {
    /** The promise to operators: a dead node's participants are gone within this. */
    private static final long DETECTION_LIMIT_MILLIS = 5000;

    @Test
    void theParticipantsOfAKilledNodeLeaveWithNodeFailureWithinFiveSeconds() throws Exception {
        try (RedisFixture redis = RedisFixture.start();
             TestNode survivor = TestNode.start(Map.of("redis.url", redis.url()));
             TestNode witness = TestNode.start(Map.of("redis.url", redis.url()))) {
            NodeProcess doomed = NodeProcess.start(Map.of("BIFROST_REDIS_URL", redis.url()));
            try {
                int port = doomed.port();
                String token = survivor.token("doomed-room", "alice", Role.SPEAKER);
                try (WsClient alice = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/rtc?access_token="
                        + URLEncoder.encode(token, StandardCharsets.UTF_8)));
                     WsClient bob = survivor.join("doomed-room", "bob");
                     WsClient carol = witness.join("doomed-room", "carol")) {
                    alice.awaitJoined();
                    bob.expect("participant-joined");
                    Thread.sleep(1500); // the doomed node has beaten a few times

                    long killedAt = System.nanoTime();
                    doomed.kill(); // SIGKILL: no drain, no goodbye
                    JsonNode left = bob.expect("participant-left");
                    long detectedMillis = (System.nanoTime() - killedAt) / 1_000_000;
                    assertThat(left.path("participantId").asText()).isEqualTo(alice.id());
                    assertThat(left.path("reason").asText()).isEqualTo("node-failure");
                    assertThat(detectedMillis).as("time from SIGKILL to participant-left").isLessThan(DETECTION_LIMIT_MILLIS);
                    JsonNode seenByCarol = carol.expect("participant-left");
                    assertThat(seenByCarol.path("participantId").asText()).isEqualTo(alice.id());
                    assertThat(seenByCarol.path("seq").asLong()).isEqualTo(left.path("seq").asLong());
                }
            } finally {
                doomed.close();
            }
        }
    }
}
