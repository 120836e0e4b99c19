package io.bifrost.signaling.transport;

import io.bifrost.signaling.session.KeyedRateLimits;
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
    private final List<String> allowedOrigins;
    private final int connectionsPerIp;
    private final Map<String, Integer> connections = new ConcurrentHashMap<>();
    private final KeyedRateLimits joins;
    private final KeyedRateLimits roomJoins;

    /**
     * @param allowedOrigins the browser origins allowed to connect; empty allows any
     * @param connectionsPerIp the most websockets one address holds at once; 0 for no limit
     * @param joinsPerSecondPerIp joins (and resumes) one address may start per second, with as
     *     many at once; 0 for no limit
     * @param joinsPerSecondPerRoom joins (and resumes) this node admits to one room per second; 0 for no limit
     */
    ClientLimits(List<String> allowedOrigins, int connectionsPerIp, int joinsPerSecondPerIp, int joinsPerSecondPerRoom) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.connectionsPerIp = connectionsPerIp;
        this.joins = new KeyedRateLimits(joinsPerSecondPerIp);
        this.roomJoins = new KeyedRateLimits(joinsPerSecondPerRoom);
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
        return joins.tryAcquire(address, now);
    }

    /**
     * Takes a join from the room's bucket, once its token named the room: a crowd rushing into
     * one room (a link shared widely, a bot) is paced, and every other room is not.
     */
    boolean roomJoinAllowed(String room, long now) {
        return roomJoins.tryAcquire(room, now);
    }

    int joinsPerSecondPerRoom() {
        return roomJoins.perSecond();
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
