package io.bifrost.signaling.transport;

import io.bifrost.signaling.session.RateLimiter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one client address may open, checked before the upgrade: where a browser page may
 * connect from ({@code Origin}), how many websockets an address holds at once, and how fast it
 * may join. An address is the peer of the TCP connection: behind a load balancer, the balancer's.
 */
final class ClientLimits {
    /** Past this many addresses with a join bucket, those idle long enough to be full again are dropped. */
    private static final int PRUNE_ABOVE = 10_000;

    private final List<String> allowedOrigins;
    private final int connectionsPerIp;
    private final int joinsPerSecondPerIp;
    private final Map<String, Integer> connections = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> joins = new ConcurrentHashMap<>();

    /**
     * @param allowedOrigins the browser origins allowed to connect; empty allows any
     * @param connectionsPerIp the most websockets one address holds at once; 0 for no limit
     * @param joinsPerSecondPerIp joins (and resumes) one address may start per second, with as
     *     many at once; 0 for no limit
     */
    ClientLimits(List<String> allowedOrigins, int connectionsPerIp, int joinsPerSecondPerIp) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.connectionsPerIp = connectionsPerIp;
        this.joinsPerSecondPerIp = joinsPerSecondPerIp;
    }

    /**
     * Whether a page of this origin may connect. Clients other than browsers send no
     * {@code Origin}, and are not what the allow-list protects against (a page using a visitor's
     * token from another site), so they pass.
     */
    boolean originAllowed(String origin) {
        return origin == null || allowedOrigins.isEmpty() || allowedOrigins.contains(origin);
    }

    /** Takes a join from the address's bucket; false when it joins too fast. */
    boolean joinAllowed(String address, long now) {
        if (joinsPerSecondPerIp == 0) {
            return true;
        }
        if (joins.size() > PRUNE_ABOVE) {
            joins.clear(); // a bucket re-created full is what an idle address would have anyway; a flood loses a second's worth
        }
        RateLimiter bucket = joins.computeIfAbsent(address, a -> new RateLimiter(joinsPerSecondPerIp, joinsPerSecondPerIp, now));
        synchronized (bucket) {
            return bucket.tryAcquire(now);
        }
    }

    /**
     * Counts a connection of the address, if it may have one more.
     *
     * @return what releases it when the connection ends (idempotent), or null when the address holds its limit
     */
    Runnable openConnection(String address) {
        if (connectionsPerIp == 0) {
            return () -> { };
        }
        boolean[] counted = {false};
        // compute() runs under the key's lock, so counting and the limit check are one step.
        connections.compute(address, (a, open) -> {
            int now = open == null ? 0 : open;
            if (now >= connectionsPerIp) {
                return open;
            }
            counted[0] = true;
            return now + 1;
        });
        if (!counted[0]) {
            return null;
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                connections.computeIfPresent(address, (a, open) -> open <= 1 ? null : open - 1);
            }
        };
    }

    static String address(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
    }
}
