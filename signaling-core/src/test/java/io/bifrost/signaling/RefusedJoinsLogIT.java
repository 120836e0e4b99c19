package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An operator whose users cannot join finds why in the node's log, and a flood of bad joins
 * does not fill it: each reason is logged once at first, however many joins it refuses.
 */
@Timeout(60)
class RefusedJoinsLogIT {
    private static final String ROOM = "refusals";

    @Test
    void theFirstRefusalOfEachReasonIsLoggedAndAFloodOfThemAddsNoLines() throws Exception {
        String forged = TokenIssuer.hmac(TestNode.KEY_ID, "another-secret-of-the-same-length-as-ours".getBytes(StandardCharsets.UTF_8))
                .issue(TokenRequest.builder(ROOM, "mallory").build());
        String expired = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8))
                .withClock(Clock.fixed(Instant.now().minus(Duration.ofDays(1)), ZoneOffset.UTC))
                .issue(TokenRequest.builder(ROOM, "late").ttl(Duration.ofHours(1)).build());
        try (NodeProcess node = NodeProcess.start(Map.of())) {
            for (int i = 0; i < 50; i++) {
                assertThat(RawHttp.upgrade(node.port(), "/rtc?access_token=" + forged, Map.of()).status()).isEqualTo(401);
            }
            assertThat(RawHttp.upgrade(node.port(), "/rtc?access_token=" + expired, Map.of()).status()).isEqualTo(401);
            node.stop(Duration.ofSeconds(20)); // the log line may follow the answer: all of it is read once the node is gone

            List<String> refusals = node.output().lines().filter(line -> line.contains("Refused")).toList();
            assertThat(refusals).as("the node's lines about refused joins").hasSize(2);
            assertThat(refusals.get(0)).contains("Refused a join: bad-signature");
            assertThat(refusals.get(1)).contains("Refused a join: expired");
        }
    }
}
