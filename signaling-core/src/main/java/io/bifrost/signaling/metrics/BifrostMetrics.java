package io.bifrost.signaling.metrics;

import io.bifrost.rooms.cluster.BusMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The node's meters. Tags come from bounded sets only (message types, outcomes, reasons), never
 * room or participant ids, so the number of series stays fixed however many rooms there are.
 */
public final class BifrostMetrics implements BusMetrics {
    public static final String CONNECTIONS = "bifrost.connections";
    public static final String ROOMS = "bifrost.rooms";
    public static final String JOINS = "bifrost.joins";
    public static final String MESSAGES_IN = "bifrost.messages.in";
    public static final String MESSAGES_OUT = "bifrost.messages.out";
    public static final String ERRORS = "bifrost.errors";
    public static final String DISCONNECTS = "bifrost.disconnects";
    public static final String RELAY_LATENCY = "bifrost.relay.latency";
    public static final String BUS_PUBLISHED = "bifrost.bus.published";
    public static final String BUS_DELIVERED = "bifrost.bus.delivered";
    public static final String BUS_DUPLICATES = "bifrost.bus.duplicates";
    public static final String BUS_REFETCHED = "bifrost.bus.refetched";
    public static final String BUS_LOST = "bifrost.bus.lost";
    public static final String BUS_LAG = "bifrost.bus.lag";
    public static final String RESUMES = "bifrost.resumes";
    public static final String WEBHOOKS = "bifrost.webhooks";
    public static final String TOKENS_REFRESHED = "bifrost.tokens.refreshed";
    public static final String SFU_HANDLES = "bifrost.sfu.handles";
    public static final String SFU_NODES_UP = "bifrost.sfu.nodes.up";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counters joins = new Counters(JOINS, "Join attempts by outcome", "outcome");
    private final RefusedJoins refusedJoins = new RefusedJoins();
    private final Counters messagesIn = new Counters(MESSAGES_IN, "Messages received from clients by type", "type");
    private final Counters messagesOut = new Counters(MESSAGES_OUT, "Messages sent to clients by type", "type");
    private final Counters errors = new Counters(ERRORS, "Errors answered to clients by code", "code");
    private final Counters disconnects = new Counters(DISCONNECTS, "Sessions ended by reason", "reason");
    private final Counters resumes = new Counters(RESUMES, "Session resume attempts by outcome", "outcome");
    private final Counters busPublished = new Counters(BUS_PUBLISHED,
            "Room events and signals written to other nodes' inboxes", "kind");
    private final Counters busDelivered = new Counters(BUS_DELIVERED, "Room events and signals read from this node's inbox", "kind");
    private final Counters busDuplicates = new Counters(BUS_DUPLICATES,
            "Room events and signals that arrived again after being applied or delivered, and were dropped", "kind");
    private final Counters busRefetched = new Counters(BUS_REFETCHED,
            "Room events read back from a room's stream to fill a gap or serve a resume", "kind");
    private final Counters busLost = new Counters(BUS_LOST, "Room events or signals that could not be delivered", "kind");
    private final Counters webhooks = new Counters(WEBHOOKS, "Webhook deliveries by outcome", "outcome");
    private final Counter tokensRefreshed = Counter.builder(TOKENS_REFRESHED)
            .description("Fresh join tokens sent to sessions before their token expired").register(registry);
    private final Timer relayLatency;
    private final Map<String, Timer> busLag = new ConcurrentHashMap<>();

    public BifrostMetrics() {
        relayLatency = Timer.builder(RELAY_LATENCY)
                .description("From receiving a signal or chat message to queueing it for its recipient")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
    }

    /** Registers the gauges, read at scrape time from the components that own the numbers. */
    public void gauges(Supplier<Number> connections, Supplier<Number> rooms) {
        Gauge.builder(CONNECTIONS, connections).description("Open websocket sessions").register(registry);
        Gauge.builder(ROOMS, rooms).description("Rooms with at least one participant on this node").register(registry);
    }

    /**
     * The SFU bridge's gauges: its handles on Janus for publishers and subscriptions (back to 0
     * when nobody publishes or listens through this node, or handles leak), and the Janus nodes
     * it has a session with (below the configured count while one is down).
     */
    public void sfuGauges(Supplier<Number> handles, Supplier<Number> nodesUp) {
        Gauge.builder(SFU_HANDLES, handles).description("Janus handles the SFU bridge holds for publishers and subscriptions")
                .register(registry);
        Gauge.builder(SFU_NODES_UP, nodesUp).description("Janus nodes the SFU bridge has a live session with").register(registry);
    }

    /** @param outcome {@code ok} or an error code / token refusal reason; refusals are also logged, sparingly */
    public void join(String outcome) {
        joins.get(outcome).increment();
        if (!outcome.equals("ok")) {
            refusedJoins.refused(outcome);
        }
    }

    /** @param type a protocol message type, or {@code invalid} */
    public void messageIn(String type) {
        messagesIn.get(type).increment();
    }

    public void messageOut(String type) {
        messagesOut(type, 1);
    }

    /** One call per fan-out rather than per recipient. */
    public void messagesOut(String type, int count) {
        if (count > 0) {
            messagesOut.get(type).increment(count);
        }
    }

    public void error(String code) {
        errors.get(code).increment();
    }

    /** @param reason a leave reason such as {@code slow-consumer} */
    public void disconnect(String reason) {
        disconnects.get(reason).increment();
    }

    public void relayed(long startNanos) {
        relayLatency.record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** @param outcome {@code ok}, or why the session could not be resumed */
    public void resume(String outcome) {
        resumes.get(outcome).increment();
    }

    /** @param outcome {@code delivered}, {@code retried}, {@code dead} or {@code dropped} */
    public void webhook(String outcome) {
        webhooks.get(outcome).increment();
    }

    /** A session was sent a fresh join token. */
    public void tokenRefreshed() {
        tokensRefreshed.increment();
    }

    // ------------------------------------------------------------------ the cluster bus

    @Override
    public void published(String kind) {
        busPublished.get(kind).increment();
    }

    @Override
    public void delivered(String kind, long lagMillis) {
        busDelivered.get(kind).increment();
        busLag.computeIfAbsent(kind, k -> Timer.builder(BUS_LAG)
                        .description("From publishing on one node to reading on this one (node clocks included)")
                        .tag("kind", k).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                        .register(registry))
                .record(Math.max(0, lagMillis), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void duplicate(String kind) {
        busDuplicates.get(kind).increment();
    }

    @Override
    public void refetched(int events) {
        busRefetched.get("event").increment(events);
    }

    @Override
    public void lost(String kind, int count) {
        busLost.get(kind).increment(count);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public void close() {
        registry.close();
    }

    /**
     * The counters of one meter, one per tag value, found by the value alone: this runs once per
     * message sent, where Micrometer's builder and registry lookup would cost more than the send.
     */
    private final class Counters {
        private final String name;
        private final String description;
        private final String tag;
        private final Map<String, Counter> byValue = new ConcurrentHashMap<>();

        Counters(String name, String description, String tag) {
            this.name = name;
            this.description = description;
            this.tag = tag;
        }

        Counter get(String value) {
            Counter counter = byValue.get(value); // no lock on the common path, unlike computeIfAbsent's
            return counter != null ? counter : byValue.computeIfAbsent(value,
                    v -> Counter.builder(name).description(description).tag(tag, v).register(registry));
        }
    }
}
