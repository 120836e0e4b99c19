package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WebhookReceiver;
import io.bifrost.signaling.testing.WsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Grafana dashboard that samples/deploy ships queries only metrics that nodes export, and the
 * metrics that docs/operations.md and the README name are those too: every name is on the
 * {@code /metrics} of a cluster's nodes after a little traffic (joins on two nodes, chat, a refused
 * request, a webhook, a resume, a leave). A counter with labels appears only once something
 * counted it, so those that need a failure in the cluster bus ({@code bifrost_bus_lost_total},
 * {@code bifrost_bus_refetched_total}, {@code bifrost_bus_duplicates_total}), and the SFU gauges a
 * node has only when its SFU is Janus, are checked on the nodes' metrics registry instead.
 */
@Timeout(60)
class GrafanaDashboardIT {
    private static final Path ROOT = Path.of(System.getProperty("bifrost.root", ".."));
    private static final Path DASHBOARD = ROOT.resolve("samples/deploy/grafana-dashboard.json");
    private static final List<Path> PAGES = List.of(ROOT.resolve("docs/operations.md"), ROOT.resolve("README.md"));
    private static final Pattern METRIC = Pattern.compile("\\bbifrost_[a-z_]+");
    /** Metrics a plain cluster does not export, and what brings them out: a failure, or Janus. */
    private static final Map<String, String> ELSEWHERE = Map.of(
            "bifrost_sfu_handles", "a node whose SFU is Janus",
            "bifrost_sfu_nodes_up", "a node whose SFU is Janus",
            "bifrost_bus_lost_total", "a room event or signal that no node could deliver",
            "bifrost_bus_refetched_total", "a gap in a node's copy of a room (a bus message lost or late), or a resume "
                    + "from before what the node holds in memory",
            "bifrost_bus_duplicates_total", "a room event or signal that reached a node twice");

    @Test
    void everyMetricTheDashboardQueriesAndTheDocsNameIsOnTheNodesMetrics() throws Exception {
        Set<String> queried = queried();
        assertThat(queried).as("the dashboard's metrics").hasSizeGreaterThan(10);
        Set<String> named = named();
        assertThat(named).as("the metrics the docs name").hasSizeGreaterThan(10);
        Set<String> exported = new TreeSet<>();
        try (RedisFixture redis = RedisFixture.start(); WebhookReceiver hooks = WebhookReceiver.start()) {
            Map<String, String> cluster = Map.of("redis.url", redis.url(), "webhooks.url", hooks.url());
            try (TestNode a = TestNode.start(cluster); TestNode b = TestNode.start(cluster)) {
                traffic(a, b, hooks);
                exported.addAll(names(a.get("/metrics").body()));
                exported.addAll(names(b.get("/metrics").body()));
            }
        }
        BifrostMetrics registry = new BifrostMetrics();
        registry.lost("signal", 1);
        registry.refetched(1);
        registry.duplicate("event");
        registry.sfuGauges(() -> 0, () -> 1);
        Set<String> elsewhere = names(registry.scrape());

        Set<String> all = new TreeSet<>(queried);
        all.addAll(named);
        assertThat(all).containsAll(ELSEWHERE.keySet());
        for (String name : all) {
            String who = queried.contains(name) ? "the dashboard queries" : "the docs name";
            if (ELSEWHERE.containsKey(name)) {
                assertThat(elsewhere).as("%s %s, with %s", who, name, ELSEWHERE.get(name)).contains(name);
            } else {
                // a histogram is named by its base name in the docs, and exported as _bucket, _count and _sum
                assertThat(exported).as("%s %s", who, name).containsAnyOf(name, name + "_count");
            }
        }
    }

    /** Two participants of one room on two nodes, and what a room's day brings. */
    private static void traffic(TestNode a, TestNode b, WebhookReceiver hooks) throws Exception {
        try (WsClient alice = a.join("dashboard", "alice"); WsClient bob = b.join("dashboard", "bob")) {
            alice.expect("participant-joined");
            long bobSeq = bob.joined().path("seq").asLong();
            alice.send(Map.of("type", "chat", "id", "c1", "text", "across nodes"));
            bob.expect("chat");
            alice.send(Map.of("type", "no-such-request", "id", "x1"));
            alice.expect("error");
            // bob comes back through the other node, from before the chat
            try (WsClient back = a.resume("dashboard", "bob", bob.sessionId(), bobSeq)) {
                back.awaitResumed();
            }
            hooks.accepted("dashboard", 2, Duration.ofSeconds(15));
        }
    }

    private static Set<String> queried() throws Exception {
        Set<String> names = new TreeSet<>();
        collect(new ObjectMapper().readTree(DASHBOARD.toFile()), names);
        return names;
    }

    /** The full metric names in the pages' text; {@code bifrost_bus_*} stands for several, checked by their own names. */
    private static Set<String> named() throws Exception {
        Set<String> names = new TreeSet<>();
        for (Path page : PAGES) {
            Matcher m = METRIC.matcher(Files.readString(page));
            while (m.find()) {
                if (!m.group().endsWith("_")) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    private static void collect(JsonNode node, Set<String> names) {
        if (node.has("expr")) {
            Matcher m = METRIC.matcher(node.path("expr").asText());
            while (m.find()) {
                names.add(m.group());
            }
        }
        node.forEach(child -> collect(child, names));
    }

    /** The names of the samples in a Prometheus text exposition. */
    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        exposition.lines().filter(line -> !line.startsWith("#")).map(line -> line.split("[{ ]", 2)[0]).forEach(names::add);
        return names;
    }
}
