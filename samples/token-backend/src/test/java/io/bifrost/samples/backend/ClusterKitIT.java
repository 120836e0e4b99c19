package io.bifrost.samples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.LoopbackPorts;
import io.bifrost.signaling.testing.WsClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * samples/cluster/run as a user runs it: it starts the whole stack (Redis, three nodes, HAProxy,
 * Janus, coturn, the token backend with the web app) on loopback ports the test picks, and one
 * room spans two nodes through HAProxy; Ctrl-C (SIGTERM here) stops everything. Needs what
 * ./scripts/test installs (redis, haproxy, janus, coturn).
 */
@Timeout(240)
class ClusterKitIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("bifrost.root", "../.."));
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theScriptStartsTheWholeStackAndOneRoomSpansTwoNodesThroughHaproxy() throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String name : List.of("LB_PORT", "NODE1_PORT", "NODE2_PORT", "NODE3_PORT", "REDIS_PORT", "JANUS_PORT", "TURN_PORT",
                "BACKEND_PORT")) {
            ports.put(name, LoopbackPorts.free());
        }
        byte[] secret = new byte[32];
        ThreadLocalRandom.current().nextBytes(secret);
        String key = HexFormat.of().formatHex(secret);
        ProcessBuilder builder = new ProcessBuilder("bash", ROOT.resolve("samples/cluster/run").toString()).redirectErrorStream(true);
        ports.forEach((name, port) -> builder.environment().put(name, port.toString()));
        builder.environment().put("BIFROST_AUTH_HMAC_KEYS", "kit=" + key);
        Path log = Files.createDirectories(Path.of("target/test-artifacts/cluster-kit")).resolve("run.log");
        Process run = builder.start();
        CompletableFuture<Void> up = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (line.startsWith("Ctrl-C stops everything")) {
                        up.complete(null);
                    }
                }
            } catch (Exception e) {
                up.completeExceptionally(e);
            }
            up.completeExceptionally(new AssertionError("run ended before the stack was up"));
        }, "cluster-kit-output");
        reader.start();
        try {
            up.get(180, TimeUnit.SECONDS);

            TokenIssuer issuer = TokenIssuer.hmac("kit", key.getBytes(StandardCharsets.UTF_8));
            String lb = "ws://127.0.0.1:" + ports.get("LB_PORT") + "/rtc?access_token=";
            try (WsClient alice = WsClient.connect(URI.create(lb + token(issuer, "alice")));
                 WsClient bob = WsClient.connect(URI.create(lb + token(issuer, "bob")))) {
                alice.awaitJoined();
                bob.awaitJoined();
                assertThat(alice.expect("participant-joined").path("participant").path("identity").asText()).isEqualTo("bob");
                List<Integer> perNode = new ArrayList<>();
                for (String node : List.of("NODE1_PORT", "NODE2_PORT", "NODE3_PORT")) {
                    perNode.add(connections(ports.get(node)));
                }
                assertThat(perNode).as("leastconn puts them on two nodes").containsOnly(0, 1).filteredOn(n -> n == 1).hasSize(2);

                alice.send(Map.of("type", "chat", "id", "c1", "text", "across nodes"));
                assertThat(bob.expect("chat").path("text").asText()).isEqualTo("across nodes");
            }

            String backend = "http://127.0.0.1:" + ports.get("BACKEND_PORT");
            assertThat(JSON.readTree(get(backend + "/api/config").body()).path("bifrostUrl").asText())
                    .isEqualTo("http://127.0.0.1:" + ports.get("LB_PORT"));
            assertThat(get(backend + "/").headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            JsonNode hooks;
            do {
                hooks = JSON.readTree(get(backend + "/api/webhooks").body()).path("webhooks");
            } while (!hooks.toString().contains("\"room\":\"kit-room\"") && System.nanoTime() < deadline && sleep());
            assertThat(hooks.findValuesAsText("event")).as("the nodes' webhooks reach the backend").contains("participant-joined");
        } finally {
            run.destroy(); // SIGTERM, as Ctrl-C: the script stops everything it started
            boolean ended = run.waitFor(60, TimeUnit.SECONDS);
            synchronized (lines) {
                Files.write(log, lines);
            }
            assertThat(ended).as("run stopped; its output is in %s", log).isTrue();
        }
        for (int port : ports.values()) {
            assertThat(listening(port)).as("port %d is free again", port).isFalse();
        }
    }

    private static String token(TokenIssuer issuer, String identity) {
        return issuer.issue(TokenRequest.builder("kit-room", identity).role(Role.SPEAKER).roomMode(RoomMode.MESH).build());
    }

    private int connections(int port) throws Exception {
        for (String line : get("http://127.0.0.1:" + port + "/metrics").body().split("\n")) {
            if (line.startsWith("bifrost_connections ")) {
                return (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no bifrost_connections on port " + port);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
