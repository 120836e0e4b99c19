package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OpsIT {

    @Test
    void healthReadinessAndMetricsAreServed() throws Exception {
        try (TestNode node = TestNode.start()) {
            assertThat(node.get("/healthz").statusCode()).isEqualTo(200);
            assertThat(node.get("/readyz").statusCode()).isEqualTo(200);
            try (WsClient alice = node.join("ops", "alice");
                 WsClient bob = node.join("ops", "bob")) {
                alice.send(Map.of("type", "chat", "id", "c1", "text", "hi"));
                bob.expect("chat");
                alice.send("{\"type\":\"nope\"}");
                alice.expect("error");
                node.get("/rtc/validate?access_token=garbage");
                HttpResponse<String> metrics = node.get("/metrics");
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
                assertThat(metrics.body())
                        .contains("bifrost_connections 2.0")
                        .contains("bifrost_rooms 1.0")
                        .contains("bifrost_joins_total{outcome=\"ok\"} 2.0")
                        .contains("bifrost_messages_in_total{type=\"chat\"} 1.0")
                        .contains("bifrost_messages_in_total{type=\"invalid\"} 1.0")
                        .contains("bifrost_messages_out_total{type=\"chat\"} 2.0")
                        .contains("bifrost_errors_total{code=\"bad-request\"} 1.0")
                        .contains("bifrost_relay_latency_seconds_bucket");
            }
        }
    }

    @Test
    void theDemoPageIsServedAtTheRoot() throws Exception {
        try (TestNode node = TestNode.start()) {
            HttpResponse<String> page = node.get("/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("Bifrost");
            assertThat(node.get("/dev/token?room=a&identity=b").statusCode())
                    .as("no dev tokens when a real key is configured").isEqualTo(404);
        }
    }

    @Test
    void aStoppingNodeSendsItsClientsAwayAtItsDrainRate() throws Exception {
        int clients = 50;
        List<WsClient> joined = new ArrayList<>();
        Map<WsClient, Long> toldAt = new ConcurrentHashMap<>();
        TestNode node = TestNode.start(Map.of("server.shutdownGrace", "10s", "server.drainRate", "50"));
        try {
            for (int i = 0; i < clients; i++) {
                WsClient client = node.join("drain-" + i / 10, "p" + i);
                client.watch((frame, arrivedNanos) -> {
                    if (frame.path("type").asText().equals("disconnect")) {
                        toldAt.put(client, arrivedNanos);
                    }
                });
                joined.add(client);
            }
            node.close();

            assertThat(toldAt).as("clients told to go elsewhere").hasSize(clients);
            long spreadMillis = (Collections.max(toldAt.values()) - Collections.min(toldAt.values())) / 1_000_000;
            // 50 at 50 a second: one every 20 ms
            assertThat(spreadMillis).as("from the first client told to the last, ms").isGreaterThanOrEqualTo(800);
        } finally {
            joined.forEach(WsClient::close);
            node.close();
        }
    }
}
