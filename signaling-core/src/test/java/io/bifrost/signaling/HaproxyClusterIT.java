package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.LoopbackPorts;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes sharing rooms through Redis, behind a real HAProxy running the sample configuration
 * ({@code samples/cluster/haproxy.cfg}) as it ships: the test hands it its ports through the
 * environment variables the sample reads, as {@code samples/cluster/run} does.
 */
@Timeout(90)
class HaproxyClusterIT {
    private static final Path SAMPLE = Path.of("samples", "cluster", "haproxy.cfg");
    private static final String SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    private static final Pattern CONNECTIONS = Pattern.compile("(?m)^bifrost_connections (\\S+)$");
    /** HAProxy starts in milliseconds; the slack is for a busy 2-core CI machine. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final long POLL_MILLIS = 50;

    private static RedisFixture redis;
    private static TestNode node1;
    private static TestNode node2;
    private static Haproxy haproxy;

    @BeforeAll
    static void start() throws Exception {
        Path binary = Haproxy.binary(); // before starting anything: a missing haproxy fails at once
        redis = RedisFixture.start();
        node1 = TestNode.start(Map.of("redis.url", redis.url()));
        node2 = TestNode.start(Map.of("redis.url", redis.url()));
        haproxy = Haproxy.start(binary, repoRoot().resolve(SAMPLE), node1.port(), node2.port());
    }

    @AfterAll
    static void stop() {
        // each in turn, whatever failed before: no process outlives the test
        if (haproxy != null) {
            haproxy.close();
        }
        for (TestNode node : new TestNode[] {node1, node2}) {
            if (node != null) {
                node.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void twoClientsOnDifferentNodesShareARoomThroughHaproxy() throws Exception {
        String room = "haproxy";
        try (WsClient alice = haproxy.join(node1.token(room, "alice", Role.HOST));
             WsClient bob = haproxy.join(node1.token(room, "bob", Role.SPEAKER))) {
            awaitConnections(node1, 1);
            awaitConnections(node2, 1);

            assertThat(alice.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(bob.id());
            assertThat(bob.joined().path("participants")).extracting(p -> p.path("id").asText()).containsExactly(alice.id());

            alice.send(Map.of("type", "offer", "id", "o1", "to", bob.id(), "sdp", SDP));
            assertThat(alice.expect("ack").path("id").asText()).isEqualTo("o1");
            JsonNode offer = bob.expect("offer");
            assertThat(offer.path("from").asText()).isEqualTo(alice.id());
            assertThat(offer.path("sdp").asText()).isEqualTo(SDP);

            bob.send(Map.of("type", "answer", "id", "a1", "to", alice.id(), "sdp", SDP));
            assertThat(bob.expect("ack").path("id").asText()).isEqualTo("a1");
            JsonNode answer = alice.expect("answer");
            assertThat(answer.path("from").asText()).isEqualTo(bob.id());
            assertThat(answer.path("sdp").asText()).isEqualTo(SDP);

            List<String> said = List.of("one", "two", "three");
            for (int i = 0; i < said.size(); i++) {
                alice.send(Map.of("type", "chat", "id", "c" + i, "text", said.get(i)));
            }
            bob.send(Map.of("type", "chat", "id", "b0", "text", "from bob"));
            List<String> aliceSaw = chats(alice, said.size() + 1);
            List<String> bobSaw = chats(bob, said.size() + 1);
            assertThat(bobSaw).as("both sides see one room order").isEqualTo(aliceSaw);
            assertThat(aliceSaw.stream().map(c -> c.substring(c.indexOf(' ') + 1)).filter(said::contains))
                    .as("alice's chats in the order she sent them").containsExactlyElementsOf(said);
        }
    }

    /** The next {@code count} chats as "seq text", checking that seq grows. */
    private static List<String> chats(WsClient client, int count) throws InterruptedException {
        List<String> chats = new ArrayList<>();
        long lastSeq = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            JsonNode chat = client.expect("chat");
            assertThat(chat.path("seq").asLong()).as("seq of %s", chat).isGreaterThan(lastSeq);
            lastSeq = chat.path("seq").asLong();
            chats.add(lastSeq + " " + chat.path("text").asText());
        }
        return chats;
    }

    /** Each node counts its own sessions: one each proves HAProxy spread the clients. */
    private static void awaitConnections(TestNode node, int expected) throws Exception {
        long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
        String seen;
        do {
            Matcher m = CONNECTIONS.matcher(node.get("/metrics").body());
            seen = m.find() ? m.group(1) : "(no bifrost_connections)";
            if (seen.equals(expected + ".0")) {
                return;
            }
            Thread.sleep(POLL_MILLIS);
        } while (System.nanoTime() < deadline);
        assertThat(seen).as("bifrost_connections of the node on port %d", node.port()).isEqualTo(expected + ".0");
    }

    /** Surefire and failsafe run in the module's directory; look upwards rather than assume it. */
    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(SAMPLE))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + SAMPLE + " above " + Path.of("").toAbsolutePath());
    }

    /**
     * A real haproxy in the foreground ({@code -db}) on a free loopback port, stopped on close or
     * JVM exit; its output goes to {@code target/test-artifacts/haproxy-cluster/haproxy.log}.
     */
    private static final class Haproxy implements AutoCloseable {
        private static final List<Path> LOCATIONS = List.of(Path.of("/usr/sbin/haproxy"), Path.of("/usr/bin/haproxy"));
        /** SIGTERM stops haproxy at once; the wait is for a machine under load. */
        private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

        private final Process process;
        private final Path log;
        private final int port;
        private final Thread cleanup;
        private final HttpClient http = HttpClient.newHttpClient();

        private Haproxy(Process process, Path log, int port) {
            this.process = process;
            this.log = log;
            this.port = port;
            this.cleanup = new Thread(this::terminate, "haproxy-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
        }

        static Haproxy start(Path binary, Path config, int node1Port, int node2Port) throws Exception {
            int port = LoopbackPorts.free();
            // kept after the run, like the browser tests' artifacts: HAProxy's log of every connection
            Path log = Path.of(System.getProperty("bifrost.artifacts", "target/test-artifacts"))
                    .resolve("haproxy-cluster").resolve("haproxy.log");
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-db", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            // the variables samples/cluster/haproxy.cfg reads, as samples/cluster/run sets them
            builder.environment().putAll(Map.of("LB_PORT", Integer.toString(port),
                    "NODE1_PORT", Integer.toString(node1Port), "NODE2_PORT", Integer.toString(node2Port)));
            Haproxy haproxy = new Haproxy(builder.start(), log, port);
            try {
                haproxy.awaitReady();
            } catch (Exception | AssertionError e) {
                haproxy.close();
                throw e;
            }
            return haproxy;
        }

        WsClient join(String token) throws Exception {
            WsClient client = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/rtc?access_token="
                    + URLEncoder.encode(token, StandardCharsets.UTF_8)));
            client.awaitJoined();
            return client;
        }

        /** Ready once a request through it reaches a node. */
        private void awaitReady() throws Exception {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            String last = "no answer yet";
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("haproxy exited with " + process.exitValue() + "; its output:\n" + output());
                }
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/readyz")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    last = response.statusCode() + " " + response.body();
                } catch (IOException e) {
                    last = e.toString();
                }
                Thread.sleep(POLL_MILLIS);
            }
            throw new IllegalStateException("haproxy on port " + port + " did not pass /readyz within " + READY_TIMEOUT
                    + " (" + last + "); its output:\n" + output());
        }

        static Path binary() {
            return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                            .filter(d -> !d.isEmpty()).map(d -> Path.of(d, "haproxy")), LOCATIONS.stream())
                    .filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException("haproxy is not installed (neither on the PATH nor in "
                            + LOCATIONS.stream().map(Path::toString).collect(Collectors.joining(", "))
                            + "); install it with: apt-get install haproxy (./scripts/test does)"));
        }

        private String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        private void terminate() {
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it stops haproxy itself
            }
            terminate();
        }
    }
}
