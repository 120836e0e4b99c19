package io.bifrost.samples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.signaling.testing.DocSandbox;
import io.bifrost.signaling.testing.DocSandbox.Terminal;
import io.bifrost.signaling.testing.DocSnippets;
import io.bifrost.signaling.testing.DocSnippets.Block;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command block of samples/token-backend/README.md, run as printed: a node that knows the
 * key and sends its webhooks to the backend, and the backend beside it, in a {@link DocSandbox}
 * (a network namespace where ports 7800 and 7900 are free, a checkout linked to this one). Then
 * what a reader checks: the backend serves the web app and logs in, the token it mints is one
 * the node admits, and the node's webhooks reach it and are verified.
 *
 * <p>Both launchers build on first use. This module's package phase builds the jars before this
 * test runs, so neither should; if one tries (a jar missing or older than its sources), the test
 * fails at once instead of starting a second build.
 */
@Timeout(180)
class TokenBackendReadmeIT {
    private static final Path ROOT = Path.of(System.getProperty("bifrost.root", "../..")).toAbsolutePath().normalize();
    private static final Path README = ROOT.resolve("samples/token-backend/README.md");
    private static final String FIRST_COMMAND = "secret=\"$(openssl rand -hex 32)\"";
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration WEBHOOK = Duration.ofSeconds(15);
    private static final String NODE_UP = "Bifrost is running on http://localhost:7800";
    private static final String BACKEND_UP = "Token backend on http://localhost:7900";
    /** What ./bifrost and run print before they build, and what the sandbox's mvn says when called. */
    private static final List<String> BUILDING = List.of("building the server (first run or sources changed)",
            "token-backend: building (first run or sources changed)", "started a build");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theReadmesBlockStartsANodeAndTheBackendWhoseTokenTheNodeAdmitsAndWhoseWebhooksTheBackendVerifies() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            Terminal terminal = sandbox.open(block());
            String output = awaitAll(terminal, NODE_UP, BACKEND_UP);
            assertThat(output).as("the node knows the key: no development token").doesNotContain("Development token");
            String backend = "http://" + sandbox.address() + ":7900";

            HttpResponse<String> app = http.send(HttpRequest.newBuilder(URI.create(backend + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(app.statusCode()).as("the web app at /: %s", app.body()).isEqualTo(200);
            assertThat(app.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(app.body()).contains("<title>Bifrost Rooms</title>");
            assertThat(call(backend, null, "GET", "/api/config", null).body().path("bifrostUrl").asText())
                    .isEqualTo("http://127.0.0.1:7800");

            Reply login = call(backend, null, "POST", "/api/login", Map.of("name", "Rita Reader"));
            assertThat(login.status()).as(login.toString()).isEqualTo(200);
            String identity = login.body().path("identity").asText();
            assertThat(identity).startsWith("rita-reader-");
            String cookie = login.cookie();
            assertThat(call(backend, cookie, "GET", "/api/me", null).body().path("name").asText()).isEqualTo("Rita Reader");

            // the backend creates the room through the node's REST API, with an admin token of the key
            Reply room = call(backend, cookie, "POST", "/api/rooms", Map.of("name", "readme-room"));
            assertThat(room.status()).as("the node took the backend's admin token: %s", room).isEqualTo(201);
            Reply token = call(backend, cookie, "POST", "/api/token", Map.of("room", "readme-room"));
            assertThat(token.status()).as(token.toString()).isEqualTo(200);
            assertThat(token.body().path("role").asText()).isEqualTo("host");
            assertThat(token.body().path("bifrostUrl").asText()).isEqualTo("http://127.0.0.1:7800");

            URI rtc = URI.create("ws://" + sandbox.address() + ":7800/rtc?access_token=" + token.body().path("token").asText());
            try (WsClient rita = WsClient.connect(rtc)) {
                JsonNode joined = rita.awaitJoined();
                assertThat(joined.path("participant").path("identity").asText()).isEqualTo(identity);
                assertThat(joined.path("participant").path("name").asText()).isEqualTo("Rita Reader");
                assertThat(joined.path("participant").path("role").asText()).isEqualTo("host");
                assertThat(joined.path("mode").asText()).isEqualTo("broadcast");

                // the backend keeps a webhook only if its signature holds with the key it shares with the node
                JsonNode hook = awaitWebhook(backend, "participant-joined", "readme-room", identity);
                assertThat(hook.path("participant").path("name").asText()).isEqualTo("Rita Reader");
            }

            byte[] forged = "{\"id\":\"h_forged\",\"event\":\"room-finished\",\"room\":\"readme-room\",\"createdAt\":1}"
                    .getBytes(StandardCharsets.UTF_8);
            String signature = TokenIssuer.hmac("app", "not-the-secret-of-the-readme-but-32-bytes-long".getBytes(StandardCharsets.UTF_8))
                    .signWebhook(forged);
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(backend + "/webhooks"))
                    .header("Bifrost-Signature", signature).POST(HttpRequest.BodyPublishers.ofByteArray(forged)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as("a webhook signed with another secret: %s", refused.body()).isEqualTo(401);
            assertThat(call(backend, null, "GET", "/api/webhooks", null).body().path("webhooks").findValuesAsText("id"))
                    .doesNotContain("h_forged");
        }
    }

    /** The README's block that starts with {@link #FIRST_COMMAND}, as printed. */
    private static String block() throws Exception {
        List<Block> blocks = DocSnippets.blocks(README).stream()
                .filter(b -> b.language().equals("sh"))
                .filter(b -> DocSnippets.commands(b.text()).stream().findFirst().orElse("").equals(FIRST_COMMAND))
                .toList();
        assertThat(blocks).as("the sh block of %s that starts with %s", README, FIRST_COMMAND).hasSize(1);
        return blocks.get(0).text();
    }

    /**
     * Waits until the terminal printed every text; fails at once if a launcher starts to build,
     * which the sandbox refuses (its mvn fails) and which would otherwise only show as a timeout.
     */
    private static String awaitAll(Terminal terminal, String... texts) throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            String output = terminal.output();
            for (String building : BUILDING) {
                assertThat(output).as("a launcher of the README started a build: its jar is missing or older than its sources. "
                        + "This module's package phase builds both jars before this test (mvn package -pl samples/token-backend -am); "
                        + "it printed: %s", output).doesNotContain(building);
            }
            if (List.of(texts).stream().allMatch(output::contains)) {
                return output;
            }
            assertThat(System.nanoTime()).as("%s within %s; it printed: %s", List.of(texts), START, output).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Waits until the backend lists a verified webhook of this event, room and participant; returns it. */
    private JsonNode awaitWebhook(String backend, String event, String room, String identity) throws Exception {
        long deadline = System.nanoTime() + WEBHOOK.toNanos();
        JsonNode webhooks;
        do {
            webhooks = call(backend, null, "GET", "/api/webhooks", null).body().path("webhooks");
            for (JsonNode hook : webhooks) {
                if (hook.path("event").asText().equals(event) && hook.path("room").asText().equals(room)
                        && hook.path("participant").path("identity").asText().equals(identity)) {
                    return hook;
                }
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no " + event + " webhook of " + identity + " in " + room + " within " + WEBHOOK
                + "; the backend verified: " + webhooks);
    }

    /** An answer of the backend's API, and the session cookie it set, if any. */
    private record Reply(int status, JsonNode body, String cookie) {}

    private Reply call(String backend, String cookie, String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(backend + path)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String set = response.headers().firstValue("Set-Cookie").map(c -> c.split(";")[0]).orElse(null);
        return new Reply(response.statusCode(), response.body().isEmpty() ? JSON.missingNode() : JSON.readTree(response.body()), set);
    }
}
