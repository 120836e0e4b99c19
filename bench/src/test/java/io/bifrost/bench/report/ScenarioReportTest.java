package io.bifrost.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.bench.load.LoadResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioReportTest {

    private static LoadResult run(String label, int subscribers, double perSecond, long p99Micros) {
        return run(label, subscribers, 1, perSecond, p99Micros);
    }

    private static LoadResult run(String label, int subscribers, double rate, double perSecond, long p99Micros) {
        LoadResult.Latency latency = new LoadResult.Latency(10, 300, 250, 400, p99Micros, p99Micros, p99Micros);
        LoadResult.Usage server = new LoadResult.Usage(1_000_000, 0.05, 12.5, 0.625, 100_000, 204_800);
        return new LoadResult("bifrost", label, subscribers, 1, rate, 100, 1, 5, 20, 100, 20, 20 * (subscribers + 1),
                20L * (subscribers + 1), 0, 0, 0, 0, 0, perSecond, latency, latency, server, null, server, null, null);
    }

    @Test
    void eachSetupAndRoomShapeIsOneRowOfMediansAndRanges() {
        String md = ScenarioReport.markdown("Scenario 1", List.of(
                run("bifrost", 100, 110, 900), run("bifrost", 10, 11, 500), run("bifrost", 10, 13, 700),
                run("bifrost", 10, 12, 600), run("socket.io", 10, 12, 800)));

        assertThat(md).startsWith("# Scenario 1\n");
        List<String> rows = md.lines().filter(l -> l.startsWith("| bifrost") || l.startsWith("| socket.io")).toList();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).startsWith("| bifrost | 10/1 | 1/s | 3 | 12 (11–13) | 0.25 | 0.60 (0.50–0.70) |");
        assertThat(rows.get(0)).contains("| 12.50 | 63 % |").contains("| 200 |");
        assertThat(rows.get(1)).startsWith("| socket.io | 10/1 |");
        assertThat(rows.get(2)).startsWith("| bifrost | 100/1 |");
    }

    @Test
    void eachRateOfAStepIsARowOfItsOwnInRateOrder() {
        String md = ScenarioReport.markdown("Scenario 2", List.of(
                run("bifrost", 1000, 2.5, 275_000, 90_000), run("bifrost", 1000, 1, 110_000, 20_000),
                run("bifrost", 1000, 1.25, 137_500, 30_000)));

        List<String> rows = md.lines().filter(l -> l.startsWith("| bifrost")).toList();
        assertThat(rows).extracting(row -> row.split(" \\| ")[2]).containsExactly("1/s", "1.25/s", "2.5/s");
    }
}
