package io.bifrost.samples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.WebhookEvent;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample backend between a browser and a real Bifrost node: logins, rooms, tokens, webhooks. */
class TokenBackendIT {
    private static final String KEY_ID = "sample-app";
    private static final String SECRET = "a-secret-of-the-sample-app-32-bytes!";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path web;
    private static Bifrost node;
    private static TokenBackend backend;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(web.resolve("index.html"), "<!doctype html><title>Audio rooms</title>");
        backend = TokenBackend.start(new BackendConfig(0, "http://127.0.0.1:0", "http://127.0.0.1:0", KEY_ID, SECRET, web));
        base = "http://127.0.0.1:" + backend.port();
        node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of("server.host", "127.0.0.1", "server.port", "0",
                "auth.hmacKeys", KEY_ID + "=" + SECRET, "webhooks.url", base + "/webhooks"))).start();
        backend.close();
        String bifrost = "http://127.0.0.1:" + node.port();
        backend = TokenBackend.start(new BackendConfig(backend.port(), bifrost, bifrost, KEY_ID, SECRET, web));
    }

    @AfterAll
    static void stop() {
        node.stop();
        backend.close();
    }

    @Test
    void theCreatorOfARoomHostsItAndEveryoneElseListensWithTokensBifrostAdmits() throws Exception {
        Browser ann = Browser.loggedIn("Ann Example");
        Browser bob = Browser.loggedIn("Bob");
        assertThat(ann.call("GET", "/api/me", null).body().path("name").asText()).isEqualTo("Ann Example");
        assertThat(ann.identity).startsWith("ann-example-");

        assertThat(ann.call("POST", "/api/rooms", Map.of("name", "jazz-night")).status()).isEqualTo(201);
        assertThat(bob.call("POST", "/api/rooms", Map.of("name", "jazz-night")).status()).as("it exists").isEqualTo(409);
        assertThat(bob.call("GET", "/api/rooms", null).body().path("rooms").findValuesAsText("name")).contains("jazz-night");

        JsonNode annToken = ann.call("POST", "/api/token", Map.of("room", "jazz-night")).body();
        JsonNode bobToken = bob.call("POST", "/api/token", Map.of("room", "jazz-night")).body();
        assertThat(annToken.path("role").asText()).isEqualTo("host");
        assertThat(bobToken.path("role").asText()).isEqualTo("listener");
        assertThat(annToken.path("bifrostUrl").asText()).isEqualTo("http://127.0.0.1:" + node.port());

        JsonNode joined = join(annToken.path("token").asText());
        assertThat(joined.path("participant").path("role").asText()).isEqualTo("host");
        assertThat(joined.path("participant").path("name").asText()).isEqualTo("Ann Example");
        assertThat(joined.path("mode").asText()).isEqualTo("broadcast");
        assertThat(join(bobToken.path("token").asText()).path("participant").path("role").asText()).isEqualTo("listener");
    }

    @Test
    void withoutALoginThereIsNoTokenAndBadInputIsRefused() throws Exception {
        Browser stranger = new Browser(null, null);
        assertThat(stranger.call("POST", "/api/token", Map.of("room", "jazz-night")).status()).isEqualTo(401);
        assertThat(stranger.call("GET", "/api/rooms", null).status()).isEqualTo(401);
        assertThat(stranger.call("POST", "/api/login", Map.of("name", " ")).status()).isEqualTo(400);
        Browser carol = Browser.loggedIn("Carol");
        assertThat(carol.call("POST", "/api/rooms", Map.of("name", "no spaces allowed")).status()).isEqualTo(400);
        assertThat(carol.call("POST", "/api/token", "{not json").status()).isEqualTo(400);
    }

    @Test
    void webhooksFromBifrostAreVerifiedAndShownAndForgedOnesAreRefused() throws Exception {
        Browser dan = Browser.loggedIn("Dan");
        dan.call("POST", "/api/rooms", Map.of("name", "hooks-room"));
        join(dan.call("POST", "/api/token", Map.of("room", "hooks-room")).body().path("token").asText());

        // the join above closes at once: its participant-left is the last webhook this test causes
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backend.webhooks().stream().noneMatch(e -> e.room().equals("hooks-room") && e.event().equals("participant-left"))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(backend.webhooks()).filteredOn(e -> e.room().equals("hooks-room")).extracting(WebhookEvent::event)
                .contains("room-started", "participant-joined", "participant-left");
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/webhooks")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).contains("participant-joined", "hooks-room", "Dan");

        byte[] forged = "{\"id\":\"h_x\",\"event\":\"room-finished\",\"room\":\"hooks-room\",\"createdAt\":1}".getBytes(StandardCharsets.UTF_8);
        String otherKey = TokenIssuer.hmac(KEY_ID, "some-other-secret-of-thirty-two-bytes".getBytes(StandardCharsets.UTF_8))
                .signWebhook(forged);
        int before = backend.webhooks().size();
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/webhooks"))
                .header("Bifrost-Signature", otherKey).POST(HttpRequest.BodyPublishers.ofByteArray(forged)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(backend.webhooks()).hasSize(before).noneMatch(e -> e.id().equals("h_x"));
    }

    @Test
    void theWebAppIsServedAtTheRoot() throws Exception {
        HttpResponse<String> index = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(index.body()).contains("Audio rooms");
    }

    /** Joins over a real websocket and returns the {@code joined} frame. */
    private static JsonNode join(String token) throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + node.port() + "/rtc?access_token=" + token), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        first.complete(data.toString());
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        JsonNode frame = JSON.readTree(first.get(5, TimeUnit.SECONDS));
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        assertThat(frame.path("type").asText()).isEqualTo("joined");
        return frame;
    }

    /** A browser of the web app: its session cookie. */
    private record Browser(String cookie, String identity) {
        record Reply(int status, JsonNode body) {}

        static Browser loggedIn(String name) throws Exception {
            HttpResponse<String> login = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/login"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("name", name)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(200);
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            return new Browser(cookie, JSON.readTree(login.body()).path("identity").asText());
        }

        Reply call(String method, String path, Object body) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
            if (cookie != null) {
                request.header("Cookie", cookie);
            }
            String text = body == null ? null : body instanceof String raw ? raw : JSON.writeValueAsString(body);
            HttpResponse<String> response = HttpClient.newHttpClient().send(request.method(method,
                    text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body().isEmpty() ? JSON.missingNode() : JSON.readTree(response.body()));
        }
    }
}
