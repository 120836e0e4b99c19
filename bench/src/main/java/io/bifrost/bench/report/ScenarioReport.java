package io.bifrost.bench.report;

import io.bifrost.bench.load.LoadResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A Markdown table of runs: one row per setup, room shape and rate, each cell the median over
 * the repetitions with their range, so that a noisy repetition shows instead of hiding in a mean.
 */
public final class ScenarioReport {
    private ScenarioReport() {}

    public static String markdown(String title, List<LoadResult> results) {
        Map<String, List<LoadResult>> rows = new LinkedHashMap<>();
        results.stream()
                .sorted(Comparator.comparingInt(LoadResult::subscribers).thenComparingInt(LoadResult::publishers)
                        .thenComparingDouble(LoadResult::rate))
                .forEach(r -> rows.computeIfAbsent(r.subscribers() + "/" + r.publishers() + "\u0000" + r.rate()
                        + "\u0000" + r.label(), key -> new ArrayList<>()).add(r));
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("Each cell: median (min–max) over the repetitions. Latency is send to receipt, for every "
                + "participant (the publishers receive their own messages too); server CPU and RSS are read from "
                + "/proc over the measurement window, summed over the nodes.\n\n");
        md.append("| setup | S/P | rate | runs | deliveries/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/delivery "
                + "| in kernel | server cores | server RSS MB | losses | duplicates | generator cores |\n");
        md.append("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (List<LoadResult> runs : rows.values()) {
            LoadResult first = runs.get(0);
            md.append("| ").append(first.label())
                    .append(" | ").append(first.subscribers()).append('/').append(first.publishers())
                    .append(" | ").append(rate(first.rate())).append("/s")
                    .append(" | ").append(runs.size())
                    .append(" | ").append(cell(runs, LoadResult::deliveriesPerSecond, 0))
                    .append(" | ").append(cell(runs, r -> r.latency().p50() / 1000.0, 2))
                    .append(" | ").append(cell(runs, r -> r.latency().p99() / 1000.0, 2))
                    .append(" | ").append(cell(runs, r -> r.latency().p999() / 1000.0, 2))
                    .append(" | ").append(cell(runs, r -> r.server() == null ? Double.NaN : r.server().cpuMicrosPerDelivery(), 2))
                    .append(" | ").append(percent(runs))
                    .append(" | ").append(cell(runs, r -> r.server() == null ? Double.NaN : r.server().cores(), 2))
                    .append(" | ").append(cell(runs, r -> r.server() == null ? Double.NaN : r.server().rssKbEnd() / 1024.0, 0))
                    .append(" | ").append(cell(runs, r -> r.losses(), 0))
                    .append(" | ").append(cell(runs, r -> r.duplicates(), 0))
                    .append(" | ").append(cell(runs, r -> r.generator() == null ? Double.NaN : r.generator().cores(), 2))
                    .append(" |\n");
        }
        return md.toString();
    }

    /** Median and range of one measure; {@code –} when no run has it. */
    static String cell(List<LoadResult> runs, ToDoubleFunction<LoadResult> measure, int decimals) {
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
    private static String percent(List<LoadResult> runs) {
        String cell = cell(runs, r -> r.server() == null ? Double.NaN : r.server().systemShare() * 100, 0);
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
