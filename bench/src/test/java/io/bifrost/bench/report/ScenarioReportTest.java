package io.bifrost.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.bench.load.HandshakeResult;
import io.bifrost.bench.load.LoadResult;
import io.bifrost.bench.load.StormResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioReportTest {

    private static LoadResult run(String label, int subscribers, double perSecond, long p99Micros) {
        return run(label, subscribers, 1, perSecond, p99Micros);
    }

    private static LoadResult run(String label, int subscribers, double rate, double perSecond, long p99Micros) {
        return run(label, subscribers, rate, perSecond, p99Micros, null);
    }

    private static LoadResult run(String label, int subscribers, double rate, double perSecond, long p99Micros,
                                  LoadResult.Recovery recovery) {
        LoadResult.Latency latency = new LoadResult.Latency(10, 300, 250, 400, p99Micros, p99Micros, p99Micros);
        return new LoadResult("bifrost", label, subscribers, 1, rate, 100, 1, 5, 20, 100, 20, 20 * (subscribers + 1),
                20L * (subscribers + 1), 0, 0, 0, 0, 0, perSecond, latency, latency, SERVER, null, SERVER, null, null, recovery);
    }

    private static final LoadResult.Usage SERVER = new LoadResult.Usage(1_000_000, 0.05, 12.5, 0.625, 100_000, 204_800);

    private static List<String> rows(String md, String setup) {
        return md.lines().filter(l -> l.startsWith("| " + setup + " |")).toList();
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

    @Test
    void aRunThatKilledANodeHasARowOfItsRecoveryInATableOfItsOwn() {
        String md = ScenarioReport.markdown("Scenario 5", List.of(
                run("bifrost 2 nodes", 100, 5, 2000, 40_000, new LoadResult.Recovery(5, 52, 52, 0, 0, 310, 2)),
                run("bifrost 2 nodes", 100, 5, 2000, 40_000, new LoadResult.Recovery(5, 52, 51, 1, 0, 450, 0)),
                run("bifrost 2 nodes", 100, 5, 2000, 40_000, null)));

        assertThat(md).contains("| dropped | resumed | joined afresh | not back | back after ms |");
        List<String> rows = rows(md, "bifrost 2 nodes");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).as("the fan-out row comes first").contains("| 2,000 |");
        assertThat(rows.get(1)).startsWith("| bifrost 2 nodes | 100/1 | 5/s | 2 | 52 | 52 (51–52) | 1 (0–1) | 0 | 380 (310–450) | 20 | 1 (0–2) | 0 | 0 |");
    }

    @Test
    void aStormIsARowPerSizeWithItsMemoryPerConnection() {
        LoadResult.Latency joins = new LoadResult.Latency(1000, 2000, 1500, 3000, 4000, 5000, 6000);
        StormResult storm = new StormResult(StormResult.MODE, "bifrost", "bifrost", 1000, 10, 1000, 100, 1000, 0, null,
                1500, 666.7, joins, 10, 0, null, 0, null, 100_000, 120_480, 20_971.5, 10_000_000, 15_120_000, 5120,
                SERVER, null);
        String md = ScenarioReport.markdown("Scenario 3", List.of(), List.of(storm), List.of());

        assertThat(md).doesNotContain("| S/P |");
        assertThat(rows(md, "bifrost")).containsExactly(
                "| bifrost | 1000 | 10 | 1 | 1,000 | 0 | 1.50 | 667 | 1.5 | 4.0 | 13 | 20.5 | 5.0 | 118 | 0 |");
    }

    @Test
    void handshakesAreARowPerOfferedRate() {
        LoadResult.Latency latency = new LoadResult.Latency(100, 9000, 8000, 9000, 20_000, 30_000, 40_000);
        HandshakeResult slow = new HandshakeResult(HandshakeResult.MODE, "socket.io", "socket.io", 400, 10, 2, 10, 4000,
                3900, 100, "a-1: refused", 390, latency, SERVER, SERVER);
        HandshakeResult fast = new HandshakeResult(HandshakeResult.MODE, "socket.io", "socket.io", 100, 10, 2, 10, 1000,
                1000, 0, null, 100, latency, SERVER, SERVER);
        String md = ScenarioReport.markdown("Scenario 4", List.of(), List.of(), List.of(slow, fast));

        assertThat(rows(md, "socket.io")).extracting(row -> row.split(" \\| ")[1]).containsExactly("100", "400");
        assertThat(rows(md, "socket.io").get(1)).startsWith("| socket.io | 400 | 10 | 1 | 390 | 8.00 | 20.00 | 30.00 | 100 | 12.5 | 63 % |");
    }
}
