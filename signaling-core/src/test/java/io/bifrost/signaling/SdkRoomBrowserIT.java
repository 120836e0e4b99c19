package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The harness bounds itself to 100 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 130;

    @Test
    void threePagesTalkChatReconnectAndRefuseAnExpiredToken(@TempDir Path temp) throws Exception {
        Path harness = Path.of(System.getProperty("bifrost.browserHarness", "src/test/browser"));
        Path artifacts = Path.of(System.getProperty("bifrost.artifacts", "target/test-artifacts")).resolve("sdk-room");
        Files.createDirectories(artifacts);
        assertThat(harness.resolve("node_modules/playwright-core"))
                .as("the browser harness is not installed: run ./scripts/test (it runs npm ci in %s)", harness)
                .isDirectory();

        Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "auth.devKeyFile", temp.resolve("dev-key").toString()))).start();
        try {
            TokenIssuer lastWeek = node.devTokenIssuer().orElseThrow()
                    .withClock(Clock.fixed(Instant.now().minus(Duration.ofDays(7)), ZoneOffset.UTC));
            String expired = lastWeek.issue(TokenRequest.builder("sdk-expired", "late").ttl(Duration.ofHours(1)).build());

            Process process = new ProcessBuilder(List.of("node", "sdk-room.mjs", "http://127.0.0.1:" + node.port(),
                    artifacts.toAbsolutePath().toString(), expired))
                    .directory(harness.toFile())
                    .redirectError(artifacts.resolve("harness.log").toFile())
                    .start();
            JsonNode result = null;
            int kills = 0;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 Writer in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                for (String line; (line = out.readLine()) != null; ) {
                    JsonNode message = JSON.readTree(line);
                    if (message.has("kill")) {
                        assertThat(node.dropConnection(message.path("kill").asText()))
                                .as("the participant to drop is connected").isTrue();
                        kills++;
                        in.write("killed\n");
                        in.flush();
                    } else {
                        result = message;
                    }
                }
            }
            boolean finished = process.waitFor(HARNESS_LIMIT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                process.destroyForcibly();
            }
            assertThat(finished).as("harness finished; its log: %s", log(artifacts)).isTrue();
            assertThat(result).as("harness printed a result; its log: %s", log(artifacts)).isNotNull();
            assertThat(result.path("ok").asBoolean()).as("result %s; harness log: %s", result, log(artifacts)).isTrue();
            assertThat(kills).isEqualTo(1);
            assertThat(result.path("checks").path("chat")).hasSize(3);
            assertThat(result.path("checks").path("expired").path("code").asText()).isEqualTo("unauthorized");
            assertThat(process.exitValue()).isZero();
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
