package io.bifrost.rooms.testing;

import io.bifrost.rooms.testing.RedisFixture.LocalServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters and no replicas, from the local {@code redis-server} and
 * {@code redis-cli}, each node on free loopback ports in a temporary directory of its own. This
 * is the smallest real cluster: its slots are spread over three nodes, so keys that lack a
 * shared hash tag land on different nodes, as they would in production.
 *
 * <p>Always local binaries, even when Docker answers: cluster nodes announce the addresses they
 * see themselves at, which inside containers are not the ones a client on the host can reach,
 * and working around that (host networking, announce-ip) buys nothing over the binaries.
 */
public final class RedisClusterFixture implements AutoCloseable {
    /** The fewest masters {@code redis-cli --cluster create} accepts. */
    private static final int MASTERS = 3;
    /**
     * How long a node may be silent before the others mark it failed. Failover is not what these
     * tests exercise; the default 15 s would only slow a deliberately stopped node's detection.
     */
    private static final String NODE_TIMEOUT_MILLIS = "5000";
    /** Covers slot assignment and the gossip that follows; both take about a second. */
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
    /** After create, every node must see all slots served; gossip settles in a second or two. */
    private static final Duration STATE_OK_TIMEOUT = Duration.ofSeconds(20);
    private static final long POLL_MILLIS = 50;

    private final List<LocalServer> nodes;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread cleanup;

    private RedisClusterFixture(List<LocalServer> nodes) {
        this.nodes = List.copyOf(nodes);
        this.cleanup = new Thread(this::stopNodes, "redis-cluster-fixture-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Starts three nodes, joins them into one cluster and returns once every node reports {@code cluster_state:ok}. */
    public static RedisClusterFixture start() {
        List<LocalServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < MASTERS; i++) {
                // The cluster bus port is picked too: the default, port + 10000, may be taken or past 65535.
                nodes.add(LocalServer.start(() -> List.of("--bind", RedisFixture.LOOPBACK, "--save", "", "--appendonly", "no",
                        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", NODE_TIMEOUT_MILLIS,
                        "--cluster-port", Integer.toString(RedisFixture.freePort()))));
            }
            List<String> create = new ArrayList<>(List.of(RedisFixture.binary("redis-cli").toString(), "--cluster", "create"));
            nodes.forEach(n -> create.add(RedisFixture.LOOPBACK + ":" + n.port()));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            RedisFixture.run(create, "redis-cli --cluster create", CREATE_TIMEOUT);
            awaitStateOk(nodes);
            return new RedisClusterFixture(nodes);
        } catch (RuntimeException e) {
            nodes.forEach(LocalServer::stop);
            throw e;
        }
    }

    /** Seed URLs for Lettuce's cluster client and {@code redis.url}: {@code redis://127.0.0.1:p1,redis://127.0.0.1:p2,…}. */
    public String url() {
        return ports().stream().map(p -> "redis://" + RedisFixture.LOOPBACK + ":" + p).collect(Collectors.joining(","));
    }

    public List<Integer> ports() {
        return nodes.stream().map(LocalServer::port).collect(Collectors.toList());
    }

    /** Stops every node; idempotent. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it stops the nodes itself
        }
        stopNodes();
    }

    private void stopNodes() {
        if (stopped.compareAndSet(false, true)) {
            nodes.forEach(LocalServer::stop);
        }
    }

    private static void awaitStateOk(List<LocalServer> nodes) {
        long deadline = System.nanoTime() + STATE_OK_TIMEOUT.toNanos();
        List<String> last = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            last.clear();
            for (LocalServer node : nodes) {
                last.add(node.port() + ": " + clusterState(node.port()));
            }
            if (last.stream().allMatch(s -> s.endsWith(": ok"))) {
                return;
            }
            RedisFixture.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("the Redis Cluster did not reach cluster_state:ok within " + STATE_OK_TIMEOUT
                + "; states by port: " + last);
    }

    private static String clusterState(int port) {
        try {
            return RedisFixture.command(port, "CLUSTER", "INFO").lines().filter(l -> l.startsWith("cluster_state:"))
                    .map(l -> l.substring("cluster_state:".length()).strip()).findFirst().orElse("(no cluster_state)");
        } catch (IOException e) {
            return e.toString();
        }
    }
}
