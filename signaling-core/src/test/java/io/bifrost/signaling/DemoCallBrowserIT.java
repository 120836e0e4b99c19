package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.signaling.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        Path harness = Path.of(System.getProperty("bifrost.browserHarness", "src/test/browser"));
        Path artifacts = Path.of(System.getProperty("bifrost.artifacts", "target/test-artifacts")).resolve("demo-call");
        Files.createDirectories(artifacts);
        assertThat(harness.resolve("node_modules/playwright-core"))
                .as("the browser harness is not installed: run ./scripts/test (it runs npm ci in %s)", harness)
                .isDirectory();

        // No key configured: the node runs with a development key and serves /dev/token to the page.
        Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "auth.devKeyFile", temp.resolve("dev-key").toString()))).start();
        try {
            Process process = new ProcessBuilder(List.of("node", "call.mjs", "http://127.0.0.1:" + node.port(),
                    artifacts.toAbsolutePath().toString()))
                    .directory(harness.toFile())
                    .redirectError(artifacts.resolve("harness.log").toFile())
                    .start();
            boolean finished = process.waitFor(HARNESS_LIMIT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                process.destroyForcibly();
            }
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(finished).as("harness finished; its log: %s", log(artifacts)).isTrue();
            String lastLine = stdout.substring(stdout.lastIndexOf('\n') + 1);
            JsonNode result = new ObjectMapper().readTree(lastLine);
            assertThat(result.path("ok").asBoolean()).as("call result %s; harness log: %s", result, log(artifacts)).isTrue();
            for (String page : List.of("a", "b")) {
                long first = result.path(page).path("first").asLong();
                long second = result.path(page).path("second").asLong();
                assertThat(first).as("page %s received audio packets", page).isPositive();
                assertThat(second).as("page %s keeps receiving audio", page).isGreaterThan(first);
            }
            assertThat(process.exitValue()).isZero();
            assertThat(artifacts.resolve("a-audio.png")).exists();
            assertThat(artifacts.resolve("b-audio.png")).exists();
        } finally {
            node.stop();
        }
    }

    private static String log(Path artifacts) {
        try {
            return Files.readString(artifacts.resolve("harness.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
