package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.sfu.janus.JanusBridge;
import io.bifrost.sfu.janus.JanusConfig;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.NetnsFixture;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.testing.BrowserHarness;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broadcast room in headless Chromium, through two real Janus nodes holding at most two
 * listeners each, so that listeners are served by the origin and by an edge that the origin
 * feeds (see broadcast.mjs). Janus, the pages and their ICE all live in a network namespace the
 * test creates; the server listens on the host's end of its veth pair. Needs root (for the
 * namespace), Debian's janus and chromium, and the harness's npm packages: ./scripts/test
 * installs them; when they are missing this test fails, it never skips.
 */
@Timeout(240)
class BroadcastBrowserIT {
    /** The harness bounds itself to 150 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 180;
    /** Small, so that five listeners need the origin and an edge. */
    private static final int LISTENERS_PER_JANUS = 2;
    /** A dead edge is noticed within about two seconds. */
    private static final Duration JANUS_PING = Duration.ofSeconds(1);

    @Test
    void listenersOnTheOriginAndAnEdgeHearTheHostAPromotedListenerAndAreMovedWhenTheEdgeDies(@TempDir Path temp)
            throws Exception {
        BrowserHarness harness = new BrowserHarness("broadcast");
        String apiSecret = JanusFixture.newSecret("api");
        String adminKey = JanusFixture.newSecret("admin");
        try (NetnsFixture ns = NetnsFixture.create();
             JanusFixture first = JanusFixture.startIn(ns, apiSecret, adminKey);
             JanusFixture second = JanusFixture.startIn(ns, apiSecret, adminKey)) {
            JanusBridge sfu = JanusBridge.create(JanusConfig.of(List.of(first.wsUri(), second.wsUri()))
                    .withSecrets(apiSecret, adminKey)
                    .withListenersPerNode(LISTENERS_PER_JANUS)
                    .withLiveness(JANUS_PING, JANUS_PING));
            Bifrost node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                    "server.host", ns.hostAddress(),
                    "server.port", "0",
                    "auth.devKeyFile", temp.resolve("dev-key").toString())), sfu).start();
            List<URI> killed = new ArrayList<>();
            try {
                List<String> command = new ArrayList<>(ns.execPrefix());
                command.addAll(List.of("node", "broadcast.mjs", "http://" + ns.hostAddress() + ":" + node.port(),
                        harness.artifacts().toString()));

                JsonNode result = harness.run(command, HARNESS_LIMIT_SECONDS, request -> {
                    assertThat(request.path("kill").asText()).isEqualTo("edge");
                    URI origin = sfu.originOf(request.path("room").asText()).orElseThrow();
                    JanusFixture edge = origin.equals(first.wsUri()) ? second : first;
                    Map<URI, Integer> before = sfu.subscriberCounts();
                    assertThat(before.getOrDefault(edge.wsUri(), 0)).as("listeners on the edge: %s", before).isPositive();
                    assertThat(before.getOrDefault(origin, 0)).as("listeners on the origin: %s", before).isPositive();
                    edge.kill();
                    killed.add(edge.wsUri());
                    return "killed";
                });

                assertThat(killed).hasSize(1);
                assertThat(result.path("checks").path("listeners hear the host")).hasSize(5);
                assertThat(result.path("checks").path("listeners hear the host and the promoted speaker")).hasSize(4);
                assertThat(result.path("checks").path("after the edge died every listener hears the host again"))
                        .hasSize(5);
                assertThat(sfu.aliveNodes()).as("only the edge was killed").doesNotContain(killed.get(0)).hasSize(1);
            } finally {
                node.stop();
            }
        }
    }
}
