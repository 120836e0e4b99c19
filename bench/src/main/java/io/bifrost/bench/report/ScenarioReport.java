package io.bifrost.bench.report;

import io.bifrost.bench.load.HandshakeResult;
import io.bifrost.bench.load.LoadResult;
import io.bifrost.bench.load.StormResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Markdown tables of runs: one row per setup and shape (room shape and rate, storm size, offered
 * handshake rate), each cell the median over the repetitions with their range, so that a noisy
 * repetition shows instead of hiding in a mean. Each kind of run has a table of its own.
 */
public final class ScenarioReport {
    private ScenarioReport() {}

    /** The fan-out table alone (scenarios 1 and 2). */
    public static String markdown(String title, List<LoadResult> results) {
        return markdown(title, results, List.of(), List.of());
    }

    public static String markdown(String title, List<LoadResult> loads, List<StormResult> storms,
                                  List<HandshakeResult> handshakes) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("Each cell: median (min–max) over the repetitions.\n");
        List<LoadResult> fanouts = loads.stream().filter(r -> r.recovery() == null).toList();
        List<LoadResult> failovers = loads.stream().filter(r -> r.recovery() != null).toList();
        if (!fanouts.isEmpty()) {
            fanout(md, fanouts);
        }
        if (!failovers.isEmpty()) {
            failover(md, failovers);
        }
        if (!storms.isEmpty()) {
            storm(md, storms);
        }
        if (!handshakes.isEmpty()) {
            handshakes(md, handshakes);
        }
        return md.toString();
    }

    private static void fanout(StringBuilder md, List<LoadResult> results) {
        md.append("\nLatency is send to receipt, for every participant (the publishers receive their own messages "
                + "too); server CPU and RSS are read from /proc over the measurement window, summed over the nodes.\n\n");
        md.append("| setup | S/P | rate | runs | deliveries/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/delivery "
                + "| in kernel | server cores | server RSS MB | losses | duplicates | generator cores |\n");
        md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (List<LoadResult> runs : rows(results, roomOrder(), ScenarioReport::roomKey).values()) {
            LoadResult first = runs.get(0);
            row(md, first.label(), first.subscribers() + "/" + first.publishers(), rate(first.rate()) + "/s",
                    Integer.toString(runs.size()),
                    cell(runs, LoadResult::deliveriesPerSecond, 0),
                    cell(runs, r -> r.latency().p50() / 1000.0, 2),
                    cell(runs, r -> r.latency().p99() / 1000.0, 2),
                    cell(runs, r -> r.latency().p999() / 1000.0, 2),
                    cell(runs, r -> r.server() == null ? Double.NaN : r.server().cpuMicrosPerDelivery(), 2),
                    percent(runs, LoadResult::server),
                    cell(runs, r -> r.server() == null ? Double.NaN : r.server().cores(), 2),
                    cell(runs, r -> r.server() == null ? Double.NaN : r.server().rssKbEnd() / 1024.0, 0),
                    cell(runs, LoadResult::losses, 0),
                    cell(runs, LoadResult::duplicates, 0),
                    cell(runs, r -> r.generator() == null ? Double.NaN : r.generator().cores(), 2));
        }
    }

    private static void failover(StringBuilder md, List<LoadResult> results) {
        md.append("\nOne node killed with SIGKILL inside the window; the clients it dropped reconnect at once to the "
                + "other node and ask for their session back. *Back after*: from the kill until the last dropped client "
                + "was in the room again. *Unacknowledged*: messages written to the killed node that no participant ever "
                + "received (the room never had them; their senders had no acknowledgement). *Lost*: receipts missing of "
                + "messages the room had, which every participant should have received, live or by the replay after "
                + "resuming. Latency includes the replayed messages.\n\n");
        md.append("| setup | S/P | rate | runs | dropped | resumed | joined afresh | not back | back after ms "
                + "| sent | unacknowledged | lost receipts | duplicates | p99 ms | max ms |\n");
        md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (List<LoadResult> runs : rows(results, roomOrder(), ScenarioReport::roomKey).values()) {
            LoadResult first = runs.get(0);
            row(md, first.label(), first.subscribers() + "/" + first.publishers(), rate(first.rate()) + "/s",
                    Integer.toString(runs.size()),
                    cell(runs, r -> r.recovery().dropped(), 0),
                    cell(runs, r -> r.recovery().resumed(), 0),
                    cell(runs, r -> r.recovery().rejoined(), 0),
                    cell(runs, r -> r.recovery().notBack(), 0),
                    cell(runs, r -> r.recovery().backMillis(), 0),
                    cell(runs, LoadResult::sent, 0),
                    cell(runs, r -> r.recovery().unaccepted(), 0),
                    cell(runs, LoadResult::losses, 0),
                    cell(runs, LoadResult::duplicates, 0),
                    cell(runs, r -> r.latency().p99() / 1000.0, 1),
                    cell(runs, r -> r.latency().max() / 1000.0, 1));
        }
    }

    private static void storm(StringBuilder md, List<StormResult> results) {
        md.append("\nEvery connection joins with a token of its own, all at once (at most the connect concurrency in "
                + "flight), into rooms of the given size. *All joined in*: from the first connect to the last join. "
                + "Memory per connection: the server's RSS (from /proc) and live heap (after a full collection) once the "
                + "connections idled, less the same before the storm, over the connections that joined.\n\n");
        md.append("| setup | connections | room size | runs | joined | failed | all joined in s | joins/s | join p50 ms "
                + "| join p99 ms | server CPU µs/join | RSS per connection KB | heap per connection KB | server RSS MB "
                + "| disconnects |\n");
        md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        Comparator<StormResult> order = Comparator.comparingInt(StormResult::connections).thenComparingInt(StormResult::roomSize);
        for (List<StormResult> runs : rows(results, order, r -> r.connections() + "/" + r.roomSize() + "\u0000" + r.label()).values()) {
            StormResult first = runs.get(0);
            row(md, first.label(), Integer.toString(first.connections()), Integer.toString(first.roomSize()),
                    Integer.toString(runs.size()),
                    cell(runs, StormResult::joined, 0),
                    cell(runs, StormResult::failed, 0),
                    cell(runs, r -> r.joinMillis() / 1000.0, 2),
                    cell(runs, StormResult::joinsPerSecond, 0),
                    cell(runs, r -> r.joinLatency().p50() / 1000.0, 1),
                    cell(runs, r -> r.joinLatency().p99() / 1000.0, 1),
                    cell(runs, r -> r.serverDuringJoins() == null ? Double.NaN : r.serverDuringJoins().cpuMicrosPerDelivery(), 0),
                    cell(runs, r -> r.rssBytesPerConnection() / 1024, 1),
                    cell(runs, r -> r.heapBytesBefore() == 0 ? Double.NaN : r.heapBytesPerConnection() / 1024, 1),
                    cell(runs, r -> r.rssKbAfter() / 1024.0, 0),
                    cell(runs, StormResult::disconnects, 0));
        }
    }

    private static void handshakes(StringBuilder md, List<HandshakeResult> results) {
        md.append("\nPairs started at the offered rate, each in a room of its own: both join, the caller sends an offer "
                + "and its candidates, the callee an answer and as many candidates, both leave. Latency: from when a "
                + "pair was due until both sides had every signal (both joins included). *Failed*: refused, an error "
                + "answer, a dropped connection, not done in time, or not started because too many were under way.\n\n");
        md.append("| setup | offered/s | candidates | runs | handshakes/s | p50 ms | p99 ms | p99.9 ms | failed "
                + "| server CPU µs/handshake | in kernel | server cores | generator cores |\n");
        md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        Comparator<HandshakeResult> order = Comparator.comparingDouble(HandshakeResult::rate);
        for (List<HandshakeResult> runs : rows(results, order, r -> r.rate() + "\u0000" + r.candidates() + "\u0000" + r.label()).values()) {
            HandshakeResult first = runs.get(0);
            row(md, first.label(), rate(first.rate()), Integer.toString(first.candidates()), Integer.toString(runs.size()),
                    cell(runs, HandshakeResult::handshakesPerSecond, 0),
                    cell(runs, r -> r.latency().p50() / 1000.0, 2),
                    cell(runs, r -> r.latency().p99() / 1000.0, 2),
                    cell(runs, r -> r.latency().p999() / 1000.0, 2),
                    cell(runs, HandshakeResult::failed, 0),
                    cell(runs, r -> r.server() == null ? Double.NaN : r.server().cpuMicrosPerDelivery(), 1),
                    percent(runs, HandshakeResult::server),
                    cell(runs, r -> r.server() == null ? Double.NaN : r.server().cores(), 2),
                    cell(runs, r -> r.generator() == null ? Double.NaN : r.generator().cores(), 2));
        }
    }

    private static Comparator<LoadResult> roomOrder() {
        return Comparator.comparingInt(LoadResult::subscribers).thenComparingInt(LoadResult::publishers)
                .thenComparingDouble(LoadResult::rate);
    }

    private static String roomKey(LoadResult r) {
        return r.subscribers() + "/" + r.publishers() + "\u0000" + r.rate() + "\u0000" + r.label();
    }

    /** The runs grouped by row, rows in {@code order}, setups in the order they first come. */
    private static <T> Map<String, List<T>> rows(List<T> results, Comparator<T> order, Function<T, String> key) {
        Map<String, List<T>> rows = new LinkedHashMap<>();
        results.stream().sorted(order).forEach(r -> rows.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r));
        return rows;
    }

    private static void row(StringBuilder md, String... cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    /** Median and range of one measure; {@code –} when no run has it. */
    static <T> String cell(List<T> runs, ToDoubleFunction<T> measure, int decimals) {
        double[] values = runs.stream().mapToDouble(measure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return "–";
        }
        double median = values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
        String min = number(values[0], decimals);
        String max = number(values[values.length - 1], decimals);
        // Runs that all agree (at the shown precision) need no range.
        return min.equals(max) ? number(median, decimals) : number(median, decimals) + " (" + min + "–" + max + ")";
    }

    /** The kernel's share of the server's CPU time, as a median percentage. */
    private static <T> String percent(List<T> runs, Function<T, LoadResult.Usage> server) {
        String cell = cell(runs, r -> server.apply(r) == null ? Double.NaN : server.apply(r).systemShare() * 100, 0);
        return cell.equals("–") ? cell : cell + " %";
    }

    /** 1, 1.5, 2.25: as many decimals as the rate has. */
    public static String rate(double rate) {
        return java.math.BigDecimal.valueOf(rate).stripTrailingZeros().toPlainString();
    }

    private static String number(double value, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }
}
