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

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
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

    /** @param outcome {@code ok} or an error code / token refusal reason */
    public void join(String outcome) {
        counter(JOINS, "Join attempts by outcome", "outcome", outcome).increment();
    }

    /** @param type a protocol message type, or {@code invalid} */
    public void messageIn(String type) {
        counter(MESSAGES_IN, "Messages received from clients by type", "type", type).increment();
    }

    public void messageOut(String type) {
        messagesOut(type, 1);
    }

    /** One call per fan-out rather than per recipient. */
    public void messagesOut(String type, int count) {
        if (count > 0) {
            counter(MESSAGES_OUT, "Messages sent to clients by type", "type", type).increment(count);
        }
    }

    public void error(String code) {
        counter(ERRORS, "Errors answered to clients by code", "code", code).increment();
    }

    /** @param reason a leave reason such as {@code slow-consumer} */
    public void disconnect(String reason) {
        counter(DISCONNECTS, "Sessions ended by reason", "reason", reason).increment();
    }

    public void relayed(long startNanos) {
        relayLatency.record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** @param outcome {@code ok}, or why the session could not be resumed */
    public void resume(String outcome) {
        counter(RESUMES, "Session resume attempts by outcome", "outcome", outcome).increment();
    }

    // ------------------------------------------------------------------ the cluster bus

    @Override
    public void published(String kind) {
        counter(BUS_PUBLISHED, "Room events and signals written to other nodes' inboxes", "kind", kind).increment();
    }

    @Override
    public void delivered(String kind, long lagMillis) {
        counter(BUS_DELIVERED, "Room events and signals read from this node's inbox", "kind", kind).increment();
        busLag.computeIfAbsent(kind, k -> Timer.builder(BUS_LAG)
                        .description("From publishing on one node to reading on this one (node clocks included)")
                        .tag("kind", k).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                        .register(registry))
                .record(Math.max(0, lagMillis), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void duplicate() {
        counter(BUS_DUPLICATES, "Room events that arrived again after being applied, and were dropped", "kind", "event").increment();
    }

    @Override
    public void refetched(int events) {
        counter(BUS_REFETCHED, "Room events read back from a room's stream to fill a gap or serve a resume", "kind", "event")
                .increment(events);
    }

    @Override
    public void lost(String kind, int count) {
        counter(BUS_LOST, "Room events or signals that could not be delivered", "kind", kind).increment(count);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public void close() {
        registry.close();
    }

    private Counter counter(String name, String description, String tag, String value) {
        // One lookup per event instead of Micrometer's builder + registry lookup: this runs per message.
        return counters.computeIfAbsent(name + '\u0000' + value,
                k -> Counter.builder(name).description(description).tag(tag, value).register(registry));
    }
}
