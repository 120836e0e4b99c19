package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.BrowserHarness;
import io.bifrost.signaling.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JavaScript SDK keeps the fresh token the server sends and reconnects with it: after its
 * original token expired, a dropped connection comes back resumed (see sdk-token.mjs).
 */
@Timeout(90)
class SdkTokenRefreshIT {
    /** The script bounds itself to 40 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 60;
    /** The SDK's build output (sdk-js/dist), as the server copies it to /sdk/. */
    private static final Path SDK = Path.of(System.getProperty("bifrost.sdkJs", "../sdk-js/dist")).toAbsolutePath();
    /** Short enough to watch the token expire within the test. */
    private static final Duration LIFETIME = Duration.ofSeconds(4);

    @Test
    void afterItsTokenExpiredADroppedRoomResumesWithTheRefreshedToken() throws Exception {
        BrowserHarness harness = new BrowserHarness("sdk-token");
        Path sdk = SDK.resolve("index.js");
        assertThat(sdk).as("the built SDK, which the server serves at /sdk/").isRegularFile();
        // No clock skew: the original token is refused the moment it expires.
        try (TestNode node = TestNode.start(Map.of("auth.clockSkew", "0s", "rooms.resumeWindow", "10s"))) {
            String token = node.issuer().issue(TokenRequest.builder("sdk-token", "ivy").role(Role.SPEAKER).ttl(LIFETIME).build());
            AtomicInteger kills = new AtomicInteger();

            JsonNode result = harness.run(List.of("node", "--experimental-websocket", "sdk-token.mjs",
                    "http://127.0.0.1:" + node.port(), sdk.toUri().toString(), token), HARNESS_LIMIT_SECONDS, request -> {
                        assertThat(node.node().dropConnection(request.path("kill").asText()))
                                .as("the participant to drop is connected").isTrue();
                        kills.incrementAndGet();
                        return "killed";
                    });

            assertThat(kills.get()).isEqualTo(1);
            assertThat(result.path("checks").path("events").toString()).contains("reconnected resumed");
        }
    }
}
