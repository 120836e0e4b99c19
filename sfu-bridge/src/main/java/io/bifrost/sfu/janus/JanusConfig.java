package io.bifrost.sfu.janus;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link JanusBridge} reaches its Janus nodes, and how it spreads listeners over them.
 *
 * <p>{@link #of(List)} gives the defaults; the {@code with…} methods change one group at a time.
 *
 * @param nodes the WebSocket API URLs of the Janus nodes, e.g. {@code ws://10.0.0.2:8188}; no
 *     default, at least one. The first alive node in rendezvous order of a room's name is the
 *     origin of that room's broadcast; the others serve as its edges
 * @param apiSecret Janus's {@code api_secret}, sent on every request; default none
 * @param adminKey the VideoRoom plugin's {@code admin_key}, needed to create rooms and to forward a
 *     publisher to an edge; default none
 * @param listenersPerNode how many subscribers of this bridge one Janus node takes before the next
 *     node in the room's order is used; default 500
 * @param keepaliveInterval how often the Janus session is kept alive; default 25s, well inside
 *     Janus's default {@code session_timeout} of 60s
 * @param pingInterval how often each node's liveness is probed; default 5s
 * @param pingTimeout how long a liveness probe (or a keepalive) may go unanswered before the node
 *     counts as down; default 5s. With the defaults a dead node is noticed within 10s
 * @param requestTimeout how long a request to Janus may take; default 10s
 * @param reconnectBackoffInitial the first wait before reconnecting to a node that went down,
 *     doubled after each failed attempt; default 500ms
 * @param reconnectBackoffMax the longest wait between reconnection attempts; default 15s
 * @param rtpPortRange the UDP ports an edge node opens to receive a publisher forwarded from the
 *     origin; default 20000-20999. It must not overlap the {@code rtp_port_range} of the edge's
 *     {@code janus.jcfg} (that one is for ICE), and must be open between Janus nodes
 */
public record JanusConfig(
        List<URI> nodes,
        String apiSecret,
        String adminKey,
        int listenersPerNode,
        Duration keepaliveInterval,
        Duration pingInterval,
        Duration pingTimeout,
        Duration requestTimeout,
        Duration reconnectBackoffInitial,
        Duration reconnectBackoffMax,
        PortRange rtpPortRange) {

    /** A Janus node takes a few thousand audio subscribers; 500 leaves headroom for CPU spikes and for other bridges. */
    public static final int DEFAULT_LISTENERS_PER_NODE = 500;
    /** Janus expires sessions after 60s of silence by default: this is under half of that. */
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(25);
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(5);
    /** A live Janus answers a ping in milliseconds; 5s rides out a busy machine. */
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(5);
    /** Room creation and ICE-gathering answers take well under a second; the rest is slack. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_INITIAL = Duration.ofMillis(500);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(15);
    /** Below Janus's usual ICE range (10000-60000 is often narrowed to 40000+ by packagers); 1000 copies per edge. */
    public static final PortRange DEFAULT_RTP_PORT_RANGE = new PortRange(20000, 20999);

    public JanusConfig {
        nodes = List.copyOf(Objects.requireNonNull(nodes, "nodes"));
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("at least one Janus node is needed");
        }
        if (nodes.stream().distinct().count() != nodes.size()) {
            throw new IllegalArgumentException("a Janus node is listed twice: " + nodes);
        }
        if (listenersPerNode < 1) {
            throw new IllegalArgumentException("listenersPerNode must be at least 1, was " + listenersPerNode);
        }
        requirePositive(keepaliveInterval, "keepaliveInterval");
        requirePositive(pingInterval, "pingInterval");
        requirePositive(pingTimeout, "pingTimeout");
        requirePositive(requestTimeout, "requestTimeout");
        requirePositive(reconnectBackoffInitial, "reconnectBackoffInitial");
        requirePositive(reconnectBackoffMax, "reconnectBackoffMax");
        Objects.requireNonNull(rtpPortRange, "rtpPortRange");
    }

    /** The defaults for these nodes, without secrets. */
    public static JanusConfig of(List<URI> nodes) {
        return new JanusConfig(nodes, null, null, DEFAULT_LISTENERS_PER_NODE, DEFAULT_KEEPALIVE_INTERVAL,
                DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_RECONNECT_BACKOFF_INITIAL, DEFAULT_RECONNECT_BACKOFF_MAX, DEFAULT_RTP_PORT_RANGE);
    }

    public JanusConfig withSecrets(String apiSecret, String adminKey) {
        return new JanusConfig(nodes, apiSecret, adminKey, listenersPerNode, keepaliveInterval, pingInterval,
                pingTimeout, requestTimeout, reconnectBackoffInitial, reconnectBackoffMax, rtpPortRange);
    }

    public JanusConfig withListenersPerNode(int listenersPerNode) {
        return new JanusConfig(nodes, apiSecret, adminKey, listenersPerNode, keepaliveInterval, pingInterval,
                pingTimeout, requestTimeout, reconnectBackoffInitial, reconnectBackoffMax, rtpPortRange);
    }

    /** How fast a dead node is noticed: within about {@code interval + timeout}. */
    public JanusConfig withLiveness(Duration pingInterval, Duration pingTimeout) {
        return new JanusConfig(nodes, apiSecret, adminKey, listenersPerNode, keepaliveInterval, pingInterval,
                pingTimeout, requestTimeout, reconnectBackoffInitial, reconnectBackoffMax, rtpPortRange);
    }

    public JanusConfig withReconnectBackoff(Duration initial, Duration max) {
        return new JanusConfig(nodes, apiSecret, adminKey, listenersPerNode, keepaliveInterval, pingInterval,
                pingTimeout, requestTimeout, initial, max, rtpPortRange);
    }

    public JanusConfig withRtpPortRange(PortRange rtpPortRange) {
        return new JanusConfig(nodes, apiSecret, adminKey, listenersPerNode, keepaliveInterval, pingInterval,
                pingTimeout, requestTimeout, reconnectBackoffInitial, reconnectBackoffMax, rtpPortRange);
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
        }
    }

    /** An inclusive range of UDP ports. */
    public record PortRange(int min, int max) {
        public PortRange {
            if (min < 1 || max > 65535 || min > max) {
                throw new IllegalArgumentException("not a port range: " + min + "-" + max);
            }
        }

        /** Parses {@code "20000-20999"}. */
        public static PortRange parse(String text) {
            String[] parts = text.strip().split("-", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("a port range looks like 20000-20999, not " + text);
            }
            return new PortRange(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
        }

        public int size() {
            return max - min + 1;
        }

        @Override
        public String toString() {
            return min + "-" + max;
        }
    }
}
