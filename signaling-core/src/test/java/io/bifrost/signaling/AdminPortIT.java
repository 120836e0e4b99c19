package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** server.adminPort: the REST API and metrics move to a port of their own; clients keep theirs. */
class AdminPortIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theRestApiAndMetricsAnswerOnlyOnTheAdminPort() throws Exception {
        try (TestNode node = TestNode.start(Map.of("server.adminPort", "0"))) {
            int admin = node.node().adminPort();
            assertThat(admin).isPositive().isNotEqualTo(node.port());
            String token = node.issuer().issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));

            assertThat(get(admin, "/api/v1/rooms", token).statusCode()).isEqualTo(200);
            assertThat(get(admin, "/metrics", null).body()).contains("bifrost_connections");
            HttpResponse<String> hidden = get(node.port(), "/api/v1/rooms", token);
            assertThat(hidden.statusCode()).isEqualTo(404);
            assertThat(hidden.body()).contains("not-found");
            assertThat(get(node.port(), "/metrics", null).statusCode()).isEqualTo(404);

            assertThat(get(node.port(), "/healthz", null).statusCode()).as("load balancers check the public port").isEqualTo(200);
            try (WsClient ann = node.join("admin-port-room", "ann", Role.SPEAKER)) {
                assertThat(ann.joined().path("room").asText()).isEqualTo("admin-port-room");
            }
        }
    }

    @Test
    void withoutAnAdminPortEverythingSharesTheMainPort() throws Exception {
        try (TestNode node = TestNode.start()) {
            assertThat(node.node().adminPort()).isEqualTo(-1);
            assertThat(get(node.port(), "/metrics", null).statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
