package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.testing.BrowserHarness;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JavaScript SDK in headless Chromium against a real server: three pages hear each other,
 * chat arrives in order, a page whose websocket the server drops reconnects and is heard again,
 * and an expired token is a typed error with no retry loop (see sdk-room.mjs).
 */
@Timeout(180)
class SdkRoomBrowserIT {
    /** The harness bounds itself to 100 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 130;

    @Test
    void threePagesTalkChatReconnectAndRefuseAnExpiredToken(@TempDir Path temp) throws Exception {
        BrowserHarness harness = new BrowserHarness("sdk-room");
        Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "auth.devKeyFile", temp.resolve("dev-key").toString()))).start();
        try {
            TokenIssuer lastWeek = node.devTokenIssuer().orElseThrow()
                    .withClock(Clock.fixed(Instant.now().minus(Duration.ofDays(7)), ZoneOffset.UTC));
            String expired = lastWeek.issue(TokenRequest.builder("sdk-expired", "late").ttl(Duration.ofHours(1)).build());
            AtomicInteger kills = new AtomicInteger();

            JsonNode result = harness.run(List.of("node", "sdk-room.mjs", "http://127.0.0.1:" + node.port(),
                    harness.artifacts().toString(), expired), HARNESS_LIMIT_SECONDS, request -> {
                        assertThat(node.dropConnection(request.path("kill").asText()))
                                .as("the participant to drop is connected").isTrue();
                        kills.incrementAndGet();
                        return "killed";
                    });

            assertThat(kills.get()).isEqualTo(1);
            assertThat(result.path("checks").path("chat")).hasSize(3);
            assertThat(result.path("checks").path("expired").path("code").asText()).isEqualTo("unauthorized");
        } finally {
            node.stop();
        }
    }
}
