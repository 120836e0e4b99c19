package io.bifrost.bench.load;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * One load run: {@code subscribers} plus {@code publishers} participants in one room, spread over
 * the server nodes at {@code endpoints}; each publisher sends {@code rate} messages a second.
 *
 * @param label               how the report names the setup, e.g. {@code bifrost 2 nodes + redis}
 * @param room                the room everyone joins
 * @param connectConcurrency  joins in flight at once: a bounded connect storm, so that the run
 *                            measures relaying, not the accept queue
 * @param ioThreads           selector threads of the generator (one or two keep it lean)
 * @param serverPids          the server processes whose CPU and memory are measured, summed
 * @param redisPids           a Redis the servers share, measured apart; empty when none
 */
public record LoadConfig(String label, String room, List<InetSocketAddress> endpoints, int subscribers, int publishers,
                         double rate, int payloadBytes, Duration warmup, Duration window, Duration drain, Duration joinTimeout,
                         int connectConcurrency, int ioThreads, List<Long> serverPids, List<Long> redisPids) {

    public LoadConfig {
        endpoints = List.copyOf(endpoints);
        serverPids = List.copyOf(serverPids);
        redisPids = List.copyOf(redisPids);
        require(!endpoints.isEmpty(), "at least one endpoint");
        require(subscribers >= 0 && publishers >= 1, "at least one publisher, and no negative subscribers");
        require(rate > 0 && rate <= 100_000, "a rate above 0 and at most 100000 per publisher");
        require(payloadBytes >= Payload.MIN_BYTES && payloadBytes <= 4096, "a payload of " + Payload.MIN_BYTES + " to 4096 bytes");
        require(!window.isNegative() && !window.isZero(), "a measurement window longer than 0");
        require(!warmup.isNegative() && !drain.isNegative(), "no negative warm-up or drain");
        require(connectConcurrency >= 1 && ioThreads >= 1, "at least one join in flight and one IO thread");
    }

    public int participants() {
        return subscribers + publishers;
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("a load run needs " + what);
        }
    }
}
