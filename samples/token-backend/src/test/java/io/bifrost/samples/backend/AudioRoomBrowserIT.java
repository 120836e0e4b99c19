package io.bifrost.samples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.sfu.janus.JanusBridge;
import io.bifrost.sfu.janus.JanusConfig;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.NetnsFixture;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.testing.BrowserHarness;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audio room web app (samples/audio-room-web) in headless Chromium, served by this backend
 * beside a real Bifrost node whose broadcast rooms go through a real Janus: a host and two
 * listeners sign in and meet in a room through the UI, a raised hand is promoted, the remaining
 * listener hears both speakers, chat reaches everyone, and a dropped connection resumes with the
 * line it missed (see test/e2e.mjs there); a passing run leaves a screenshot of each of those
 * steps. Janus, the pages and their ICE live in a network namespace the test creates; Bifrost and
 * the backend listen on the host's end of its veth pair.
 * Needs root (for the namespace), Debian's janus and chromium, the browser harness's npm packages
 * and the built web app: ./scripts/test installs them and the Maven build builds the app; when
 * any is missing this test fails, it never skips.
 */
@Timeout(300)
class AudioRoomBrowserIT {
    /** The script bounds itself to 170 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 210;
    private static final String KEY_ID = "sample-app";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The steps whose screenshots a passing run leaves. */
    private static final List<Step> SCREENSHOTS = List.of(
            new Step("the host and two listeners joined", List.of("host-and-listeners-joined")),
            new Step("a hand raised", List.of("host-sees-raised-hand")),
            new Step("the listener promoted", List.of("promoted-speaker")),
            new Step("both speakers heard", List.of("listener-hears-two-speakers")),
            new Step("chat shown for all", List.of("host-chat", "speaker-chat", "listener-chat")));
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** A step of test/e2e.mjs, and the names it gives the step's screenshots (saved as NN-name.png). */
    private record Step(String what, List<String> screenshots) {}

    @Test
    void aHostAndTwoListenersMeetThroughTheWebAppAndThePromotedListenerIsHeardBesideTheHost() throws Exception {
        Path app = Path.of(System.getProperty("bifrost.webApp", "../audio-room-web")).toAbsolutePath().normalize();
        assertThat(app.resolve("dist/index.html"))
                .as("the web app is not built: the Maven build builds it (or npm ci && npm run build in %s)", app)
                .isRegularFile();
        BrowserHarness harness = new BrowserHarness("audio-room-web");
        String secret = "app-" + UUID.randomUUID(); // 40 bytes: HMAC keys need 32 at least
        String apiSecret = JanusFixture.newSecret("api");
        String adminKey = JanusFixture.newSecret("admin");
        try (NetnsFixture ns = NetnsFixture.create();
             JanusFixture janus = JanusFixture.startIn(ns, apiSecret, adminKey)) {
            // The node sends its webhooks to the backend, and the backend tells browsers where the
            // node is: start the backend once for its port, then again on that port knowing the node.
            TokenBackend placeholder = TokenBackend.start(new BackendConfig(0, "http://127.0.0.1:0", "http://127.0.0.1:0",
                    KEY_ID, secret, app.resolve("dist")));
            int backendPort = placeholder.port();
            placeholder.close();
            JanusBridge sfu = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(apiSecret, adminKey));
            Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                    "server.host", ns.hostAddress(),
                    "server.port", "0",
                    "auth.hmacKeys", KEY_ID + "=" + secret,
                    "webhooks.url", "http://127.0.0.1:" + backendPort + "/webhooks")), sfu).start();
            String bifrost = "http://" + ns.hostAddress() + ":" + node.port();
            TokenBackend backend = TokenBackend.start(new BackendConfig(backendPort, bifrost, bifrost, KEY_ID, secret,
                    app.resolve("dist")));
            TokenIssuer issuer = TokenIssuer.hmac(KEY_ID, secret.getBytes(StandardCharsets.UTF_8));
            List<String> dropped = new ArrayList<>();
            try {
                List<String> command = new ArrayList<>(ns.execPrefix());
                command.addAll(List.of("node", app.resolve("test/e2e.mjs").toString(),
                        "http://" + ns.hostAddress() + ":" + backendPort, harness.artifacts().toString()));

                FileTime started = FileTime.from(Instant.now().truncatedTo(ChronoUnit.SECONDS));
                JsonNode result = harness.run(command, HARNESS_LIMIT_SECONDS, request -> {
                    // a listener's connection drops, and the room gets a line while it is away
                    String participant = request.path("drop").asText();
                    assertThat(node.dropConnection(participant)).as("%s is connected", participant).isTrue();
                    dropped.add(participant);
                    postToRoom(bifrost, issuer, request.path("room").asText(), request.path("text").asText());
                    return "dropped";
                });

                JsonNode checks = result.path("checks");
                assertThat(dropped).hasSize(1);
                assertThat(checks.path("Mina Listener hears both speakers")).hasSize(2);
                assertThat(checks.path("streams attributed to their speakers").asBoolean())
                        .as("the SFU names each speaker's stream: %s", checks.path("Mina Listener hears both speakers"))
                        .isTrue();
                assertThat(checks.path("Mina Listener's speaking signs").path("rings")).hasSize(2);
                assertThat(checks.path("chat shown on every page in order")).hasSize(3);
                assertThat(checks.path("chat after the resume")).hasSize(4);
                assertThat(webhooks(backendPort)).as("the webhooks the backend verified")
                        .contains("participant-joined").contains(checks.path("room").asText());
                assertScreenshots(harness.artifacts(), started);
            } finally {
                backend.close();
                node.stop();
            }
        }
    }

    /** Each step's screenshots, as this run saved them: one file each, a PNG with an image, written during the run. */
    private static void assertScreenshots(Path artifacts, FileTime started) throws IOException {
        List<Path> pngs;
        try (Stream<Path> files = Files.list(artifacts)) {
            pngs = files.filter(f -> f.getFileName().toString().matches("\\d\\d-.+\\.png")).sorted().toList();
        }
        List<String> problems = new ArrayList<>();
        for (Step step : SCREENSHOTS) {
            for (String name : step.screenshots()) {
                List<Path> found = pngs.stream().filter(f -> f.getFileName().toString().substring(3).equals(name + ".png")).toList();
                if (found.size() != 1) {
                    problems.add(step.what() + ": " + found.size() + " files NN-" + name + ".png");
                    continue;
                }
                Path png = found.get(0);
                byte[] head;
                try (InputStream in = Files.newInputStream(png)) {
                    head = in.readNBytes(PNG_SIGNATURE.length);
                }
                if (!Arrays.equals(head, PNG_SIGNATURE) || Files.size(png) <= PNG_SIGNATURE.length) {
                    problems.add(step.what() + ": " + png.getFileName() + " is no PNG with an image (" + Files.size(png) + " bytes)");
                } else if (Files.getLastModifiedTime(png).compareTo(started) < 0) {
                    problems.add(step.what() + ": " + png.getFileName() + " is from an earlier run");
                }
            }
        }
        assertThat(problems).as("the steps' screenshots in %s, which holds %s", artifacts,
                pngs.stream().map(Path::getFileName).toList()).isEmpty();
    }

    /** Posts a chat line to the room as the app's backend would, through Bifrost's REST API. */
    private static void postToRoom(String bifrost, TokenIssuer issuer, String room, String text) {
        String admin = issuer.issueAdmin(AdminGrants.of(false, false, true), Duration.ofMinutes(1));
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(bifrost + "/api/v1/rooms/" + room + "/messages"))
                    .header("Authorization", "Bearer " + admin)
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("text", text))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("posting to %s: %s", room, response.body()).isEqualTo(200);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while posting to " + room, e);
        }
    }

    private static String webhooks(int backendPort) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backendPort + "/api/webhooks"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
