package io.bifrost.bench.load;

import io.bifrost.bench.proc.HeapProbe;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 3: {@code connections} participants that all connect at once to one node, each with its
 * own token, in rooms of {@code roomSize}, then stay idle; what each costs the server, and how
 * long the storm takes to join.
 *
 * @param label              how the report names the setup
 * @param warmupConnections  joined before the server's memory is first measured, so that what any
 *                           first connection loads (classes, compiled code, buffers) is not
 *                           charged to the storm
 * @param connectConcurrency joins in flight at once: as many as the storm may throw at the server
 * @param joinTimeout        how long the storm may take before the connections still out count as failed
 * @param idle               how long the joined connections stay idle (keepalives only) before the
 *                           server's memory is measured again
 * @param sources            loopback addresses to connect from, in turn, when one address's
 *                           ephemeral ports are too few; empty for the kernel's choice
 * @param serverPids         the server process, whose CPU and resident memory are read from /proc
 * @param heap               asks the server for its live heap; null when it cannot be asked
 */
public record StormConfig(String label, InetSocketAddress endpoint, int connections, int roomSize, int warmupConnections,
                          int connectConcurrency, Duration joinTimeout, Duration idle, int ioThreads,
                          List<InetAddress> sources, List<Long> serverPids, HeapProbe heap) {

    public StormConfig {
        sources = List.copyOf(sources);
        serverPids = List.copyOf(serverPids);
        require(connections >= 1 && warmupConnections >= 0, "at least one connection");
        require(roomSize >= 1, "rooms of at least one participant");
        require(connectConcurrency >= 1 && ioThreads >= 1, "at least one join in flight and one IO thread");
        require(!joinTimeout.isNegative() && !joinTimeout.isZero() && !idle.isNegative(), "a join timeout, and no negative idle time");
        require(sources.stream().allMatch(InetAddress::isLoopbackAddress), "loopback source addresses only");
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("a connect storm needs " + what);
        }
    }
}
