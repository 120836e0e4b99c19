package io.bifrost.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.bench.load.HandshakeConfig;
import io.bifrost.bench.load.HandshakeResult;
import io.bifrost.bench.load.HandshakeRun;
import io.bifrost.bench.load.LoadConfig;
import io.bifrost.bench.load.LoadResult;
import io.bifrost.bench.load.LoadRun;
import io.bifrost.bench.load.StormConfig;
import io.bifrost.bench.load.StormResult;
import io.bifrost.bench.load.StormRun;
import io.bifrost.bench.proc.HeapProbe;
import io.bifrost.bench.protocol.BifrostTarget;
import io.bifrost.bench.protocol.SocketIoTarget;
import io.bifrost.bench.protocol.Target;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A few seconds of each of the harness's modes against each server, so that it cannot rot between
 * benchmarks: the room fan-out (five subscribers and a publisher at 5 msg/s, every message to every
 * participant, once), a connect storm of a few dozen, a few dozen signaling handshakes, and the
 * resume after one of two Bifrost nodes sharing a real Redis is killed with SIGKILL.
 */
@Timeout(120)
class HarnessSmokeIT {
    private static final String KEY_ID = "bench";
    private static final String SECRET = "a-benchmark-secret-that-is-long-enough-for-hs256";
    private static final Pattern NODE_PORT = Pattern.compile("running on http://[^:]+:(\\d+)");

    @Test
    void drivesBifrost() throws Exception {
        Bifrost node = bifrost(Map.of());
        try {
            // In-process, so the "server" CPU is this JVM's: the test checks that it is read, not its value.
            LoadResult result = fanout(BifrostTarget.hmac(KEY_ID, SECRET), node.port(), ProcessHandle.current().pid());
            assertClean(result);
        } finally {
            node.stop();
        }
    }

    @Test
    void drivesSocketIo() throws Exception {
        try (SocketIoPeer peer = peer()) {
            LoadResult result = fanout(new SocketIoTarget(), peer.port(), peer.pid());
            assertClean(result);
            assertThat(result.server().rssKbEnd()).as("the node process's RSS").isPositive();
        }
    }

    @Test
    void everyConnectionOfAStormJoinsBifrost() throws Exception {
        Bifrost node = bifrost(Map.of());
        try {
            long pid = ProcessHandle.current().pid();
            assertStormJoined(storm(BifrostTarget.hmac(KEY_ID, SECRET), node.port(), pid, HeapProbe.jvm(pid)));
        } finally {
            node.stop();
        }
    }

    @Test
    void everyConnectionOfAStormJoinsSocketIo() throws Exception {
        try (SocketIoPeer peer = peer()) {
            StormResult result = storm(new SocketIoTarget(), peer.port(), peer.pid(),
                    HeapProbe.node(URI.create("http://127.0.0.1:" + peer.port())));
            assertStormJoined(result);
        }
    }

    @Test
    void everyHandshakeCompletesThroughBifrost() throws Exception {
        Bifrost node = bifrost(Map.of());
        try {
            assertHandshakesCompleted(handshakes(BifrostTarget.hmac(KEY_ID, SECRET), node.port(), ProcessHandle.current().pid()));
        } finally {
            node.stop();
        }
    }

    @Test
    void everyHandshakeCompletesThroughSocketIo() throws Exception {
        try (SocketIoPeer peer = peer()) {
            assertHandshakesCompleted(handshakes(new SocketIoTarget(true), peer.port(), peer.pid()));
        }
    }

    @Test
    void theClientsOfAKilledBifrostNodeResumeOnTheOtherAndMissNothing() throws Exception {
        try (RedisFixture redis = RedisFixture.start()) {
            Map<String, String> cluster = Map.of("redis.url", redis.url(), "rooms.resumeWindow", "30s");
            Bifrost survivor = bifrost(cluster);
            Process doomed = nodeProcess(cluster);
            try {
                int doomedPort = awaitPort(doomed);
                // 3 subscribers and 1 publisher on each node; 2 publishers at 10 msg/s, 20 messages a second in the room
                LoadConfig config = new LoadConfig("bifrost 2 nodes", "smoke", List.of(loopback(survivor.port()), loopback(doomedPort)),
                        6, 2, 10, 100, Duration.ofMillis(300), Duration.ofSeconds(3), Duration.ofSeconds(1),
                        Duration.ofSeconds(20), 8, 1, List.of(), List.of());
                LoadResult result = LoadRun.withFailover(config, BifrostTarget.hmac(KEY_ID, SECRET), System.err, doomed.pid(),
                        Duration.ofSeconds(1)).run();

                assertThat(doomed.waitFor(5, TimeUnit.SECONDS)).as("the node was killed").isTrue();
                LoadResult.Recovery recovery = result.recovery();
                assertThat(recovery.dropped()).as("the participants of the killed node").isEqualTo(4);
                assertThat(recovery.resumed()).as("resumed their sessions").isEqualTo(4);
                assertThat(recovery.rejoined()).as("joined afresh, first error: " + result.firstError()).isZero();
                assertThat(recovery.notBack()).isZero();
                assertThat(recovery.backMillis()).as("ms from the kill until all were back").isBetween(0L, 5000L);
                assertThat(result.disconnects()).as("connections the kill closed").isEqualTo(4);
                assertThat(result.sent()).as("messages sent in the window").isGreaterThanOrEqualTo(50);
                assertThat(result.expected()).as("every message the room had, to each of 8")
                        .isEqualTo((result.sent() - recovery.unaccepted()) * 8);
                assertThat(result.deliveries()).isEqualTo(result.expected());
                assertThat(result.losses()).as("losses").isZero();
                assertThat(result.duplicates()).as("duplicates").isZero();
                assertThat(result.malformed()).isZero();
            } finally {
                doomed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                survivor.stop();
            }
        }
    }

    private static Bifrost bifrost(Map<String, String> overrides) throws Exception {
        Map<String, String> config = new HashMap<>(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "server.demoPage", "false",
                "auth.hmacKeys", KEY_ID + "=" + SECRET));
        config.putAll(overrides);
        return Bifrost.create(ConfigLoader.load(null, Map.of(), config)).start();
    }

    /** A Bifrost node in a process of its own (this JVM's classpath), so that it can be killed with SIGKILL. */
    private static Process nodeProcess(Map<String, String> overrides) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.bifrost.signaling.Main", "serve");
        builder.environment().keySet().removeIf(name -> name.startsWith("BIFROST_"));
        builder.environment().putAll(Map.of(
                "BIFROST_SERVER_HOST", "127.0.0.1",
                "BIFROST_SERVER_PORT", "0",
                "BIFROST_SERVER_DEMO_PAGE", "false",
                "BIFROST_AUTH_HMAC_KEYS", KEY_ID + "=" + SECRET));
        overrides.forEach((key, value) -> builder.environment().put(ConfigLoader.envName(key), value));
        return builder.redirectErrorStream(true).start();
    }

    private static int awaitPort(Process node) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            lines.add(line);
            Matcher m = NODE_PORT.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> out.lines().forEach(ignored -> { }), "doomed-node-output");
                drain.setDaemon(true);
                drain.start(); // keep reading, so the node never blocks on a full pipe
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the node printed no port: " + lines);
    }

    private static SocketIoPeer peer() throws Exception {
        return SocketIoPeer.start(Path.of(System.getProperty("bifrost.socketio", "socketio")));
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static LoadResult fanout(Target target, int port, long serverPid) throws Exception {
        LoadConfig config = new LoadConfig(target.name(), "smoke", List.of(loopback(port)),
                5, 1, 5, 100, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMillis(700),
                Duration.ofSeconds(20), 8, 1, List.of(serverPid), List.of());
        return new LoadRun(config, target, System.err).run();
    }

    /** 40 connections in rooms of 10, after 5 warm-up ones, from two loopback addresses. */
    private static StormResult storm(Target target, int port, long serverPid, HeapProbe heap) throws Exception {
        StormConfig config = new StormConfig(target.name(), loopback(port), 40, 10, 5, 16, Duration.ofSeconds(20),
                Duration.ofMillis(300), 1, List.of(java.net.InetAddress.getByName("127.0.0.1"),
                java.net.InetAddress.getByName("127.0.0.2")), List.of(serverPid), heap);
        return new StormRun(config, target, System.err).run();
    }

    /** 20 handshakes a second for a second, after a short warm-up. */
    private static HandshakeResult handshakes(Target target, int port, long serverPid) throws Exception {
        HandshakeConfig config = new HandshakeConfig(target.name(), loopback(port), 20, 10, Duration.ofMillis(300),
                Duration.ofSeconds(1), Duration.ofSeconds(5), 100, 1, List.of(), List.of(serverPid));
        return new HandshakeRun(config, target, System.err).run();
    }

    private static void assertClean(LoadResult result) {
        assertThat(result.sent()).as("messages sent in the window").isGreaterThanOrEqualTo(8);
        assertThat(result.expected()).isEqualTo(result.sent() * 6);
        assertThat(result.deliveries()).as("deliveries").isPositive().isEqualTo(result.expected());
        assertThat(result.losses()).as("losses").isZero();
        assertThat(result.duplicates()).as("duplicates").isZero();
        assertThat(result.malformed()).as("unreadable payloads").isZero();
        assertThat(result.errors()).as("error answers, first: " + result.firstError()).isZero();
        assertThat(result.disconnects()).as("disconnects, first: " + result.firstDisconnect()).isZero();
        assertThat(result.latency().count()).as("latencies recorded").isEqualTo(result.deliveries());
        assertThat(result.latency().p50()).isPositive();
        assertThat(result.latency().max()).as("µs; loopback, tiny load").isLessThan(1_000_000);
        assertThat(result.server()).as("server CPU and RSS").isNotNull();
        assertThat(result.generator()).as("generator CPU").isNotNull();
        assertThat(result.recovery()).as("no node was killed").isNull();
    }

    private static void assertStormJoined(StormResult result) {
        assertThat(result.joined()).as("joined, first failure: " + result.firstFailure()).isEqualTo(40);
        assertThat(result.failed()).isZero();
        assertThat(result.joinLatency().count()).as("a join time per connection, warm-up ones included").isEqualTo(45);
        assertThat(result.joinMillis()).isPositive();
        assertThat(result.disconnects()).as("disconnects while idle, first: " + result.firstDisconnect()).isZero();
        assertThat(result.errors()).as("error answers, first: " + result.firstError()).isZero();
        assertThat(result.rssKbBefore()).as("the server's RSS, from /proc").isPositive();
        assertThat(result.rssKbAfter()).isPositive();
        assertThat(result.heapBytesBefore()).as("the server's live heap").isPositive();
        assertThat(result.heapBytesAfter()).isPositive();
        assertThat(result.serverDuringJoins()).as("server CPU during the storm").isNotNull();
    }

    private static void assertHandshakesCompleted(HandshakeResult result) {
        assertThat(result.started()).as("pairs due in the window").isBetween(18L, 22L);
        assertThat(result.completed()).as("completed, first failure: " + result.firstFailure()).isEqualTo(result.started());
        assertThat(result.failed()).isZero();
        assertThat(result.latency().count()).isEqualTo(result.completed());
        assertThat(result.latency().p50()).isPositive();
        assertThat(result.latency().max()).as("µs; loopback, tiny load").isLessThan(2_000_000);
        assertThat(result.server()).as("server CPU").isNotNull();
    }
}
