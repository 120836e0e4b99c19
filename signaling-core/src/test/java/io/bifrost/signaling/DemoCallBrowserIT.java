package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.testing.BrowserHarness;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two headless Chromium tabs open the demo page and hold a real WebRTC audio call through the
 * server; audio must arrive on both sides (inbound-rtp packetsReceived grows). ICE stays on
 * 127.0.0.1 (the page's loopbackOnly option). Needs Debian's chromium and the harness's npm
 * packages, which ./scripts/test installs; when they are missing this test fails, it never skips.
 */
@Timeout(150)
class DemoCallBrowserIT {
    /** The harness bounds itself to 60 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 90;

    @Test
    void twoDemoPagesHoldARealAudioCallThroughTheServer(@TempDir Path temp) throws Exception {
        BrowserHarness harness = new BrowserHarness("demo-call");
        // No key configured: the node runs with a development key and serves /dev/token to the page.
        Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "auth.devKeyFile", temp.resolve("dev-key").toString()))).start();
        try {
            JsonNode result = harness.run(List.of("node", "call.mjs", "http://127.0.0.1:" + node.port(),
                    harness.artifacts().toString()), HARNESS_LIMIT_SECONDS);
            for (String page : List.of("a", "b")) {
                long first = result.path(page).path("first").asLong();
                long second = result.path(page).path("second").asLong();
                assertThat(first).as("page %s received audio packets", page).isPositive();
                assertThat(second).as("page %s keeps receiving audio", page).isGreaterThan(first);
            }
            assertThat(harness.artifacts().resolve("a-audio.png")).exists();
            assertThat(harness.artifacts().resolve("b-audio.png")).exists();
        } finally {
            node.stop();
        }
    }
}
