package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An operator rolling out a new version follows a node's stop in its log: how many clients it
 * sends away and at what pace, and in a cluster, which of them no other node took over in time.
 */
@Timeout(120)
class ShutdownLogIT {
    private static final String ROOM = "shutdown-room";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));

    @Test
    void aStoppingNodeSaysHowManyClientsItSendsAwayAndThatTheyWent() throws Exception {
        List<WsClient> clients = new ArrayList<>();
        try (NodeProcess node = NodeProcess.start(Map.of("BIFROST_SERVER_SHUTDOWN_GRACE", "10s", "BIFROST_SERVER_DRAIN_RATE", "100"))) {
            for (int i = 0; i < 3; i++) {
                WsClient client = WsClient.connect(rtc(node, "p" + i));
                client.awaitJoined();
                clients.add(client);
            }
            assertThat(node.stop(Duration.ofSeconds(20))).as("the exit status of a node stopped by SIGTERM").isIn(0, 143);

            assertThat(node.output())
                    .contains("Stopping: sending 3 client(s) away, 100 a second (server.drainRate)")
                    .contains("All 3 client(s) gone after")
                    .doesNotContain("did not resume");
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void aClusterNodeSaysWhichClientsDidNotResumeElsewhereWithinTheGrace() throws Exception {
        try (RedisFixture redis = RedisFixture.start();
             NodeProcess node = NodeProcess.start(Map.of("BIFROST_REDIS_URL", redis.url(), "BIFROST_SERVER_SHUTDOWN_GRACE", "2s",
                     "BIFROST_SERVER_DRAIN_RATE", "0"));
             WsClient alice = WsClient.connect(rtc(node, "alice"));
             WsClient bob = WsClient.connect(rtc(node, "bob"))) {
            alice.awaitJoined();
            bob.awaitJoined();

            node.stop(Duration.ofSeconds(20)); // no other node: neither can resume

            assertThat(node.output())
                    .contains("Stopping: sending 2 client(s) away, all at once (server.drainRate 0); "
                            + "they may resume on other nodes for up to 2s (server.shutdownGrace)")
                    .contains("2 of 2 client(s) did not resume on another node within server.shutdownGrace (2s): they leave their rooms now")
                    .doesNotContain("gone after");
        }
    }

    @Test
    void aClientThatNeverReadsDoesNotHoldTheNodeBeyondItsGrace() throws Exception {
        try (NodeProcess node = NodeProcess.start(Map.of("BIFROST_SERVER_SHUTDOWN_GRACE", "2s"));
             Socket silent = RawHttp.nonReadingClient(node.port(), "/rtc?access_token=" + token("silent"))) {
            Thread.sleep(300); // its join is in before the node stops
            long started = System.nanoTime();
            node.stop(Duration.ofSeconds(20));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;

            assertThat(node.output()).contains("Stopping: sending 1 client(s) away");
            assertThat(tookMillis).as("ms from SIGTERM to exit, with a grace of 2 s").isLessThan(4000);
        }
    }

    private static String token(String identity) {
        return ISSUER.issue(TokenRequest.builder(ROOM, identity).build());
    }

    private static URI rtc(NodeProcess node, String identity) {
        return URI.create("ws://127.0.0.1:" + node.port() + "/rtc?access_token=" + token(identity));
    }
}
