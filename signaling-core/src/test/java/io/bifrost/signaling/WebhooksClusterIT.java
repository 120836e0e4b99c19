package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.Role;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WebhookReceiver;
import io.bifrost.signaling.testing.WebhookReceiver.Delivery;
import io.bifrost.signaling.testing.WsClient;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Webhooks of a cluster: queued in Redis by the room scripts, delivered by whichever node holds the room. */
class WebhooksClusterIT extends WebhooksContract {
    private static RedisFixture redis;
    private static WebhookReceiver receiver;
    private static List<TestNode> nodes;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisFixture.start();
        receiver = WebhookReceiver.start();
        nodes = TestNode.startAll(2, config(redis, receiver));
        documentNode = nodes.get(0);
    }

    @AfterAll
    static void stop() {
        nodes.forEach(TestNode::close);
        receiver.close();
        redis.close();
    }

    private static Map<String, String> config(RedisFixture redis, WebhookReceiver receiver) {
        Map<String, String> config = new HashMap<>(CONFIG);
        config.put("redis.url", redis.url());
        config.put("webhooks.url", receiver.url());
        return config;
    }

    @Override
    TestNode node() {
        return nodes.get(0);
    }

    @Override
    TestNode otherNode() {
        return nodes.get(1);
    }

    @Override
    WebhookReceiver receiver() {
        return receiver;
    }

    @Override
    void assertDeadLettered(String room, String event) {
        RedisClient client = RedisClient.create(redis.url());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<StreamMessage<String, String>> dead = connection.sync().xrange("bifrost:{cluster}:hooks-dead", Range.create("-", "+"));
            assertThat(dead).anySatisfy(entry -> {
                assertThat(entry.getBody()).containsEntry("room", room).containsEntry("event", event).containsEntry("error", "HTTP 500");
                assertThat(entry.getBody().get("body")).contains("\"room\":\"" + room + "\"");
            });
        } finally {
            client.shutdown();
        }
    }

    @Test
    void webhooksWaitingInRedisOutliveTheNodeThatRecordedThem() throws Exception {
        try (RedisFixture ownRedis = RedisFixture.start(); WebhookReceiver backend = WebhookReceiver.start()) {
            String room = room("restart");
            backend.answer(body -> 503); // the backend is down while the room lives on the first node
            Map<String, String> patient = config(ownRedis, backend);
            patient.put("webhooks.maxAttempts", "1000"); // a budget that outlasts the outage
            TestNode first = TestNode.start(patient);
            try (WsClient ann = first.join(room, "ann", Role.SPEAKER); WsClient bob = first.join(room, "bob", Role.SPEAKER)) {
                ann.expect("participant-joined");
                bob.closeNormally();
                ann.expect("participant-left");
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (backend.attempts(room).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50); // delivery starts on its own thread, a moment after the change
                }
                assertThat(WebhookReceiver.events(backend.attempts(room))).as("tried while the backend was down")
                        .isNotEmpty().allMatch(event -> event.equals("room-started"));
            } finally {
                first.close();
            }

            backend.answer(body -> 200);
            try (TestNode second = TestNode.start(patient)) {
                List<Delivery> got = backend.accepted(room, 6, WAIT);

                assertThat(WebhookReceiver.events(got)).containsExactly("room-started", "participant-joined(ann)",
                        "participant-joined(bob)", "participant-left(bob)", "participant-left(ann)", "room-finished");
                documentNode = second;
                assertSignedDocumentedAndOrdered(got);
            } finally {
                documentNode = nodes.get(0);
            }
        }
    }
}
