package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.rooms.testing.RedisFixture;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three nodes sharing rooms through one real Redis server. */
@Timeout(120)
class ClusterIT extends CrossNodeRoomContract {
    private static RedisFixture redis;
    private static List<TestNode> nodes = List.of();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisFixture.start();
        nodes = TestNode.startAll(3, Map.of("redis.url", redis.url(), "rooms.resumeWindow", "10s", "rooms.largeAudience", LARGE_AUDIENCE));
    }

    @AfterAll
    static void stop() {
        nodes.forEach(TestNode::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    List<TestNode> nodes() {
        return nodes;
    }

    @Test
    void aSessionResumedOnAnotherNodeKeepsItsIdAndMissesNothing() throws Exception {
        String room = "resume-" + System.nanoTime();
        try (WsClient alice = nodes.get(0).join(room, "alice");
             WsClient bob = nodes.get(1).join(room, "bob")) {
            alice.expect("participant-joined");
            long lastSeq = alice.joined().path("seq").asLong() + 1; // bob's join
            assertThat(nodes.get(0).node().dropConnection(alice.id())).isTrue();

            for (int i = 0; i < 5; i++) {
                bob.send(Map.of("type", "chat", "id", "c" + i, "text", "while away " + i));
                bob.expect("ack");
            }
            chats(bob, 5);
            bob.send(Map.of("type", "offer", "id", "o1", "to", alice.id(), "sdp", SDP));
            assertThat(bob.expect("ack").path("id").asText()).as("a signal to an absent participant is held").isEqualTo("o1");

            try (WsClient back = nodes.get(2).resume(room, "alice", alice.sessionId(), lastSeq)) {
                JsonNode resumed = back.awaitResumed();
                assertThat(resumed.path("participant").path("id").asText()).isEqualTo(alice.id());
                assertThat(resumed.path("seq").asLong()).isEqualTo(lastSeq);
                List<String> missed = chats(back, 5).stream().map(line -> line.substring(line.indexOf(' ') + 1)).toList();
                assertThat(missed).containsExactly("while away 0", "while away 1", "while away 2", "while away 3", "while away 4");
                assertThat(back.expect("offer").path("from").asText()).isEqualTo(bob.id());

                // Signals now find alice on her new node, both ways.
                bob.send(Map.of("type", "offer", "id", "o2", "to", alice.id(), "sdp", SDP));
                assertThat(back.expect("offer").path("from").asText()).isEqualTo(bob.id());
                back.send(Map.of("type", "answer", "id", "a1", "to", bob.id(), "sdp", SDP));
                assertThat(bob.expect("answer").path("from").asText()).isEqualTo(alice.id());
                back.send(Map.of("type", "chat", "id", "c9", "text", "back"));
                assertThat(bob.expect("chat").path("text").asText()).isEqualTo("back");
                assertThat(bob.drain()).as("bob saw alice neither leave nor join")
                        .noneMatch(f -> f.path("type").asText().startsWith("participant-"));
            }
        }
    }

    @Test
    void aRedisPauseOfThreeSecondsLosesNothingAndDuplicatesNothing() throws Exception {
        String room = "pause-" + System.nanoTime();
        try (WsClient alice = nodes.get(0).join(room, "alice");
             WsClient bob = nodes.get(1).join(room, "bob")) {
            alice.expect("participant-joined");
            CompletableFuture<Void> paused = CompletableFuture.runAsync(() -> redis.pause(Duration.ofSeconds(3)));
            Thread.sleep(300); // the pause has begun
            int count = 30;
            for (int i = 0; i < count; i++) {
                bob.send(Map.of("type", "chat", "id", "c" + i, "text", "during the pause " + i));
            }
            paused.join();
            List<String> received = chats(alice, count);
            for (int i = 0; i < count; i++) {
                assertThat(received.get(i)).endsWith("during the pause " + i);
            }
            for (int i = 0; i < count; i++) {
                assertThat(bob.expect("ack").path("id").asText()).isEqualTo("c" + i);
            }
            chats(bob, count);
            Thread.sleep(1000);
            assertThat(alice.drain()).as("nothing delivered twice").noneMatch(f -> f.path("type").asText().equals("chat"));
            assertThat(nodes.get(0).get("/metrics").body()).contains("bifrost_bus_delivered_total");
        }
    }

    @Test
    void busMetricsAreOnTheMetricsEndpoint() throws Exception {
        String room = "metrics-" + System.nanoTime();
        try (WsClient alice = nodes.get(0).join(room, "alice");
             WsClient bob = nodes.get(1).join(room, "bob")) {
            alice.expect("participant-joined");
            bob.send(Map.of("type", "chat", "id", "c1", "text", "hello"));
            alice.expect("chat");
            String sender = nodes.get(1).get("/metrics").body();
            String receiver = nodes.get(0).get("/metrics").body();
            assertThat(sender).containsPattern("bifrost_bus_published_total\\{kind=\"event\"\\} [1-9]");
            assertThat(receiver).containsPattern("bifrost_bus_delivered_total\\{kind=\"event\"\\} [1-9]");
            assertThat(receiver).contains("bifrost_bus_lag_seconds_count{kind=\"event\"}");
        }
    }

    @Test
    void aStoppingNodeSendsItsClientsElsewhereAndNobodySeesThemLeave() throws Exception {
        String room = "drain-" + System.nanoTime();
        try (TestNode leaving = TestNode.start(Map.of("redis.url", redis.url(), "rooms.resumeWindow", "10s",
                "server.shutdownGrace", "5s"));
             WsClient alice = nodes.get(0).join(room, "alice");
             WsClient bob = leaving.join(room, "bob")) {
            alice.expect("participant-joined");
            long lastSeq = bob.joined().path("seq").asLong();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(leaving::close);
            JsonNode disconnect = bob.expect("disconnect");
            assertThat(disconnect.path("reconnect").asBoolean()).isTrue();
            assertThat(leaving.get("/readyz").statusCode()).as("no new clients while draining").isEqualTo(503);
            try (WsClient back = nodes.get(1).resume(room, "bob", bob.sessionId(), lastSeq)) {
                assertThat(back.awaitResumed().path("participant").path("id").asText()).isEqualTo(bob.id());
                stopped.join();
                back.send(Map.of("type", "chat", "id", "c1", "text", "moved"));
                assertThat(alice.expect("chat").path("text").asText()).isEqualTo("moved");
                assertThat(alice.drain()).noneMatch(f -> f.path("type").asText().startsWith("participant-"));
            }
        }
    }
    /**
     * Lettuce sends a command again when its connection broke before the reply came: a signal's
     * XADD can then put the same entry in the recipient node's inbox twice. The second is dropped.
     */
    @Test
    void aSignalWrittenTwiceToAnInboxReachesItsRecipientOnce() throws Exception {
        String room = "twice-" + System.nanoTime();
        RedisClient client = RedisClient.create(redis.url());
        // A node of its own for bob, so that its inbox is not trimmed behind its reader yet.
        try (TestNode bobsNode = TestNode.start(Map.of("redis.url", redis.url()));
             WsClient alice = nodes.get(0).join(room, "alice");
             WsClient bob = bobsNode.join(room, "bob");
             StatefulRedisConnection<String, String> connection = client.connect()) {
            alice.expect("participant-joined");
            alice.send(Map.of("type", "offer", "id", "o1", "to", bob.id(), "sdp", SDP));
            assertThat(bob.expect("offer").path("sdp").asText()).isEqualTo(SDP);

            RedisCommands<String, String> redisCommands = connection.sync();
            StreamMessage<String, String> written = redisCommands.keys("*inbox*").stream()
                    .flatMap(inbox -> redisCommands.xrange(inbox, Range.create("-", "+")).stream())
                    .filter(entry -> bob.id().equals(entry.getBody().get("to")) && "OFFER".equals(entry.getBody().get("kind")))
                    .findFirst().orElseThrow(() -> new AssertionError("the offer is in no inbox"));
            redisCommands.xadd(written.getStream(), written.getBody());
            alice.send(Map.of("type", "offer", "id", "o2", "to", bob.id(), "sdp", SDP + "a=sendrecv\r\n"));

            assertThat(bob.expect("offer").path("sdp").asText()).as("the offer after the one written twice")
                    .endsWith("a=sendrecv\r\n");
            assertThat(bobsNode.get("/metrics").body()).contains("bifrost_bus_duplicates_total{kind=\"signal\"} 1.0");
        } finally {
            client.shutdown();
        }
    }
}
