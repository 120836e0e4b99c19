package io.bifrost.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.bench.load.LoadConfig;
import io.bifrost.bench.load.LoadResult;
import io.bifrost.bench.load.LoadRun;
import io.bifrost.bench.protocol.BifrostTarget;
import io.bifrost.bench.protocol.SocketIoTarget;
import io.bifrost.bench.protocol.Target;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A few seconds of the harness against each server, so that it cannot rot between benchmarks:
 * five subscribers and a publisher at 5 msg/s, every message to every participant, once.
 */
class HarnessSmokeIT {
    private static final String KEY_ID = "bench";
    private static final String SECRET = "a-benchmark-secret-that-is-long-enough-for-hs256";

    @Test
    void drivesBifrost() throws Exception {
        Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "server.demoPage", "false",
                "auth.hmacKeys", KEY_ID + "=" + SECRET))).start();
        try {
            // In-process, so the "server" CPU is this JVM's: the test checks that it is read, not its value.
            LoadResult result = run(BifrostTarget.hmac(KEY_ID, SECRET, "smoke"), node.port(), ProcessHandle.current().pid());
            assertClean(result);
        } finally {
            node.stop();
        }
    }

    @Test
    void drivesSocketIo() throws Exception {
        try (SocketIoPeer peer = SocketIoPeer.start(Path.of(System.getProperty("bifrost.socketio", "socketio")))) {
            LoadResult result = run(new SocketIoTarget("smoke"), peer.port(), peer.pid());
            assertClean(result);
            assertThat(result.server().rssKbEnd()).as("the node process's RSS").isPositive();
        }
    }

    private static LoadResult run(Target target, int port, long serverPid) throws Exception {
        LoadConfig config = new LoadConfig(target.name(), List.of(new InetSocketAddress("127.0.0.1", port)),
                5, 1, 5, 100, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMillis(700),
                Duration.ofSeconds(20), 8, 1, List.of(serverPid), List.of());
        return new LoadRun(config, target, System.err).run();
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
    }
}
