package io.bifrost.sfu.janus;

import static io.bifrost.sfu.janus.JanusBridgeIT.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.sfu.SfuException;
import io.bifrost.sfu.testing.JanusFixture;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Janus WebSocket API itself, against a Janus on loopback: sessions, keepalives, secrets. */
class JanusApiIT {
    static JanusFixture janus;

    @BeforeAll
    static void startJanus() {
        janus = JanusFixture.start();
    }

    @AfterAll
    static void stopJanus() {
        if (janus != null) {
            janus.close();
        }
    }

    @Test
    void aSessionIsCreatedAndKeptAliveByAcknowledgedKeepalives() throws Exception {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger ups = new AtomicInteger();
        AtomicInteger downs = new AtomicInteger();
        // keepalives and pings every 100ms: a missing ack would take the node down within the test
        JanusConfig config = JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey())
                .withLiveness(Duration.ofMillis(100), Duration.ofMillis(500));
        config = new JanusConfig(config.nodes(), config.apiSecret(), config.adminKey(), config.listenersPerNode(),
                Duration.ofMillis(100), config.pingInterval(), config.pingTimeout(), config.requestTimeout(),
                config.reconnectBackoffInitial(), config.reconnectBackoffMax(), config.rtpPortRange());
        JanusConnection connection = new JanusConnection(janus.wsUri(), config, executor, HttpClient.newHttpClient(),
                new JanusConnection.Listener() {
                    @Override
                    public void onUp(JanusConnection node) {
                        ups.incrementAndGet();
                    }

                    @Override
                    public void onDown(JanusConnection node, String reason) {
                        downs.incrementAndGet();
                    }

                    @Override
                    public void onHandleEvent(JanusConnection node, long handle, JsonNode message) {}
                });
        try {
            executor.execute(connection::start);
            Thread.sleep(1500); // fifteen keepalive rounds

            assertThat(ups).hasValue(1);
            assertThat(downs).hasValue(0);
            CompletableFuture<Long> handle = CompletableFuture.supplyAsync(() -> connection.attach(null), executor)
                    .thenCompose(f -> f);
            assertThat(handle.get(5, TimeUnit.SECONDS)).as("the session still takes requests").isPositive();
        } finally {
            CompletableFuture.supplyAsync(connection::stop, executor).thenCompose(f -> f).get(5, TimeUnit.SECONDS);
            executor.shutdownNow();
        }
    }

    @Test
    void aWrongApiSecretIsRefusedWithAClearError() {
        JanusBridge bridge = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets("wrong", janus.adminKey()));
        bridge.onStart();
        try {
            assertThat(bridge.aliveNodes()).isEmpty();
            assertThatThrownBy(() -> get(bridge.open("room-1")))
                    .isInstanceOfSatisfying(SfuException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SfuException.Reason.REFUSED);
                        assertThat(e.getMessage()).contains("api secret").contains("403").contains(janus.wsUri().toString());
                    });
        } finally {
            bridge.onStop();
        }
    }

    @Test
    void theBridgeWorksOnLoopbackForEverythingButMedia() throws Exception {
        JanusBridge bridge = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey()));
        bridge.onStart();
        try (JanusAdmin admin = new JanusAdmin(janus)) {
            get(bridge.open("loopback-room"));
            admin.addRemotePublisher("loopback-room", "alice");

            assertThat(get(bridge.subscribe("loopback-room", "bob", java.util.Set.of("alice"), new EventRecorder()))).isPresent();
            get(bridge.close("loopback-room"));
            assertThat(admin.roomExists("loopback-room")).isFalse();
        } finally {
            bridge.onStop();
        }
    }
}
