package io.bifrost.bench.load;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 4: pairs of participants started at {@code rate} a second, each pair in a room of its
 * own: both join, the caller sends an offer and {@code candidates} candidates, the callee answers
 * with an answer and as many candidates, and both leave. Only pairs started inside the window
 * count; those started in the warm-up do the same work uncounted.
 *
 * @param drain       how long the pairs started last may take to finish after the window
 * @param maxInFlight pairs under way at once; a pair due while this many are under way is not
 *                    started and counts as failed, so that a server that falls behind ends the
 *                    run instead of piling up connections without bound
 * @param sources     loopback addresses to connect from, in turn: a pair is two short-lived
 *                    connections, and one address's ephemeral ports run out at high rates
 * @param serverPids  the server process, whose CPU is read from /proc over the window
 */
public record HandshakeConfig(String label, InetSocketAddress endpoint, double rate, int candidates, Duration warmup,
                              Duration window, Duration drain, int maxInFlight, int ioThreads, List<InetAddress> sources,
                              List<Long> serverPids) {

    public HandshakeConfig {
        sources = List.copyOf(sources);
        serverPids = List.copyOf(serverPids);
        require(rate > 0 && rate <= 100_000, "a rate above 0 and at most 100000 handshakes a second");
        require(candidates >= 0 && candidates <= 100, "0 to 100 candidates a side");
        require(!window.isNegative() && !window.isZero(), "a measurement window longer than 0");
        require(!warmup.isNegative() && !drain.isNegative(), "no negative warm-up or drain");
        require(maxInFlight >= 1 && ioThreads >= 1, "at least one pair in flight and one IO thread");
        require(sources.stream().allMatch(InetAddress::isLoopbackAddress), "loopback source addresses only");
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("a handshake run needs " + what);
        }
    }
}
