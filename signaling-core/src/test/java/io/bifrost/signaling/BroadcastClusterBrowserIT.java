package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.sfu.janus.JanusBridge;
import io.bifrost.sfu.janus.JanusConfig;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.NetnsFixture;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.testing.BrowserHarness;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broadcast room across two Bifrost nodes in cluster mode (one real Redis), in headless
 * Chromium: each node has its own bridge to the same Janus. The host joins through node A, a
 * listener through A and three through B; they all hear the host, a listener on B promoted by the
 * host is heard on both nodes until it is demoted, and once promoted again it is still heard on B
 * after node A, whose bridge made the Janus room, stops (see broadcast-cluster.mjs). Both nodes
 * read one development key file, so a token of one is good on the other. Janus, the pages and
 * their ICE live in a network namespace the test creates; both nodes listen on the host's end of
 * its veth pair. Needs root (for the namespace), Debian's janus, chromium and redis-server (or
 * Docker), and the harness's npm packages: ./scripts/test installs them; when they are missing
 * this test fails, it never skips.
 */
@Timeout(180)
class BroadcastClusterBrowserIT {
    /** The harness bounds itself to 100 s; this only catches a hung process. */
    private static final long HARNESS_LIMIT_SECONDS = 130;

    @Test
    void listenersOnBothNodesHearTheHostAndAPromotedListenerWhichOutlivesTheOtherNode(@TempDir Path temp)
            throws Exception {
        BrowserHarness harness = new BrowserHarness("broadcast-cluster");
        String apiSecret = JanusFixture.newSecret("api");
        String adminKey = JanusFixture.newSecret("admin");
        Path devKey = temp.resolve("dev-key");
        try (RedisFixture redis = RedisFixture.start();
             NetnsFixture ns = NetnsFixture.create();
             JanusFixture janus = JanusFixture.startIn(ns, apiSecret, adminKey)) {
            List<Bifrost> nodes = new ArrayList<>();
            List<JanusBridge> bridges = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    JanusBridge sfu = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(apiSecret, adminKey));
                    bridges.add(sfu);
                    nodes.add(Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                            "server.host", ns.hostAddress(),
                            "server.port", "0",
                            "redis.url", redis.url(),
                            "auth.devKeyFile", devKey.toString())), sfu).start());
                }
                List<String> command = new ArrayList<>(ns.execPrefix());
                command.addAll(List.of("node", "broadcast-cluster.mjs", baseUrl(ns, nodes.get(0)), baseUrl(ns, nodes.get(1)),
                        harness.artifacts().toString()));

                List<String> stopped = new ArrayList<>();
                JsonNode result = harness.run(command, HARNESS_LIMIT_SECONDS, request -> {
                    URI janusUri = janus.wsUri();
                    if (request.has("stop")) {
                        assertThat(request.path("stop").asText()).isEqualTo("A");
                        nodes.get(0).stop();
                        stopped.add(request.path("room").asText());
                        return "stopped";
                    }
                    String room = request.path("placed").asText();
                    assertThat(room).as("request %s", request).isNotEmpty();
                    assertThat(bridges.get(0).originOf(room)).contains(janusUri);
                    assertThat(bridges.get(1).originOf(room)).contains(janusUri);
                    // Each node subscribes its own sessions on its own bridge: the host and a listener on A, three listeners on B.
                    assertThat(bridges.get(0).subscriberCounts()).isEqualTo(Map.of(janusUri, 2));
                    assertThat(bridges.get(1).subscriberCounts()).isEqualTo(Map.of(janusUri, 3));
                    return "checked";
                });

                assertThat(stopped).hasSize(1);
                assertThat(result.path("checks").path("listeners on A and B hear the host")).hasSize(4);
                assertThat(result.path("checks").path("listeners on A and B hear the host and the promoted speaker"))
                        .hasSize(3);
                assertThat(result.path("checks").path("the host on A hears the promoted speaker on B")).hasSize(1);
                assertThat(result.path("checks").path("after the demotion listeners on A and B hear only the host"))
                        .hasSize(3);
                assertThat(result.path("checks").path("after node A stopped listeners on B hear the speaker on B"))
                        .hasSize(2);
            } finally {
                nodes.forEach(Bifrost::stop);
            }
        }
    }

    private static String baseUrl(NetnsFixture ns, Bifrost node) {
        return "http://" + ns.hostAddress() + ":" + node.port();
    }
}
