package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs one of the Node.js scripts in {@code src/test/browser} that drive headless Chromium. A
 * script may ask the test for something (a line of JSON on stdout with a field the test knows)
 * and waits for the test's one-line answer on stdin; its last stdout line is its result, whose
 * {@code ok} must be true. Its stderr is kept as {@code harness.log} next to its artifacts.
 */
public final class BrowserHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir = Path.of(System.getProperty("bifrost.browserHarness", "src/test/browser"));
    private final Path artifacts;

    /** @param name the folder of this test's artifacts (screenshots, events, the log) */
    public BrowserHarness(String name) throws IOException {
        this.artifacts = Path.of(System.getProperty("bifrost.artifacts", "target/test-artifacts")).resolve(name);
        Files.createDirectories(artifacts);
        assertThat(dir.resolve("node_modules/playwright-core"))
                .as("the browser harness is not installed: run ./scripts/test (it runs npm ci in %s)", dir)
                .isDirectory();
    }

    public Path artifacts() {
        return artifacts.toAbsolutePath();
    }

    /**
     * Runs the command (e.g. {@code node call.mjs …}, maybe behind {@code ip netns exec}) and
     * answers each request the script makes.
     *
     * @param limitSeconds the script bounds itself; this only catches a hung process
     * @param answer what to write back for a request line; the test's assertions may throw in it
     * @return the script's result, asserted {@code ok}
     */
    public JsonNode run(List<String> command, long limitSeconds, Function<JsonNode, String> answer) throws Exception {
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(artifacts.resolve("harness.log").toFile())
                .start();
        JsonNode result = null;
        List<String> stray = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
            for (String line; (line = out.readLine()) != null; ) {
                JsonNode message;
                try {
                    message = JSON.readTree(line);
                } catch (IOException notJson) {
                    stray.add(line);
                    continue;
                }
                if (message.has("ok")) {
                    result = message;
                } else {
                    in.write(answer.apply(message) + "\n");
                    in.flush();
                }
            }
        } finally {
            if (!process.waitFor(limitSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the harness did not finish within " + limitSeconds + " s; its log: " + log());
            }
        }
        assertThat(result).as("harness printed a result; other output %s; its log: %s", stray, log()).isNotNull();
        assertThat(result.path("ok").asBoolean()).as("result %s; harness log: %s", result, log()).isTrue();
        assertThat(process.exitValue()).isZero();
        return result;
    }

    /** For scripts that ask nothing. */
    public JsonNode run(List<String> command, long limitSeconds) throws Exception {
        return run(command, limitSeconds, request -> {
            throw new AssertionError("the harness asked for something unexpected: " + request);
        });
    }

    private String log() {
        try {
            return Files.readString(artifacts.resolve("harness.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
