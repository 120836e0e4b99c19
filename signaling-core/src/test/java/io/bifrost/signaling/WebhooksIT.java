package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WebhookReceiver;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Webhooks of a single node, queued in its memory. */
class WebhooksIT extends WebhooksContract {
    private static WebhookReceiver receiver;
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        receiver = WebhookReceiver.start();
        Map<String, String> config = new HashMap<>(CONFIG);
        config.put("webhooks.url", receiver.url());
        node = TestNode.start(config);
        documentNode = node;
    }

    @AfterAll
    static void stop() {
        node.close();
        receiver.close();
    }

    @Override
    TestNode node() {
        return node;
    }

    @Override
    TestNode otherNode() {
        return node;
    }

    @Override
    WebhookReceiver receiver() {
        return receiver;
    }

    @Override
    void assertDeadLettered(String room, String event) throws Exception {
        assertThat(node.get("/metrics").body()).contains("bifrost_webhooks_total{outcome=\"dead\"} 1.0");
    }
}
