package io.bifrost.rooms.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fixtures behave the way the cluster tests rely on, seen through the client Bifrost uses. */
@Timeout(60)
class RedisFixtureTest {
    private static final Duration PAUSE = Duration.ofSeconds(2);
    /** Time for the pausing thread to freeze the server before the command goes out; kill(1) takes milliseconds. */
    private static final long LEAD_MILLIS = 300;
    /** What is left of the pause when the command goes out, less scheduling slack. */
    private static final Duration AT_LEAST_WAITED = Duration.ofMillis(1500);
    /** Lettuce's default 2 s quiet period would only slow the run down. */
    private static final Duration QUIET = Duration.ZERO;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    private static RedisFixture redis;
    private static RedisClient client;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        client = RedisClient.create(redis.url());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.shutdown(QUIET, SHUTDOWN_TIMEOUT);
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aClientReadsBackWhatItWroteThroughTheFixtureUrl() {
        assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().set("fixture:greeting", "hello");
            assertThat(connection.sync().get("fixture:greeting")).isEqualTo("hello");
        }
    }

    @Test
    void aCommandSentDuringAPauseWaitsForTheServerAndThenSucceeds() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().set("fixture:paused", "still here");
            CompletableFuture<Void> pause = CompletableFuture.runAsync(() -> redis.pause(PAUSE));
            Thread.sleep(LEAD_MILLIS);

            long sent = System.nanoTime();
            String value = connection.sync().get("fixture:paused");
            Duration waited = Duration.ofNanos(System.nanoTime() - sent);

            assertThat(value).isEqualTo("still here");
            assertThat(waited).isGreaterThanOrEqualTo(AT_LEAST_WAITED);
            pause.get(PAUSE.toSeconds() * 2, TimeUnit.SECONDS);
            assertThat(connection.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aRestartedServerKeepsItsAddressAndLosesItsData() {
        try (StatefulRedisConnection<String, String> before = client.connect()) {
            before.sync().set("fixture:volatile", "gone after restart");
        }
        int port = redis.port();

        redis.restart();

        assertThat(redis.port()).isEqualTo(port);
        try (StatefulRedisConnection<String, String> after = client.connect()) {
            assertThat(after.sync().get("fixture:volatile")).isNull();
        }
    }

    @Test
    void theClusterFixtureServesKeysFromThreeMasters() {
        // slots: "a" 15495, "b" 3300, "c" 7365: one in each third of the 16384, so one per master
        List<String> keys = List.of("a", "b", "c");
        try (RedisClusterFixture cluster = RedisClusterFixture.start()) {
            assertThat(cluster.url()).isEqualTo(cluster.ports().stream()
                    .map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(",")));
            RedisClusterClient clusterClient = RedisClusterClient.create(
                    Stream.of(cluster.url().split(",")).map(RedisURI::create).collect(Collectors.toList()));
            try (StatefulRedisClusterConnection<String, String> connection = clusterClient.connect()) {
                keys.forEach(k -> connection.sync().set(k, "value of " + k));

                assertThat(keys).allSatisfy(k -> assertThat(connection.sync().get(k)).isEqualTo("value of " + k));
                Set<String> owners = keys.stream()
                        .map(k -> connection.getPartitions().getPartitionBySlot(SlotHash.getSlot(k)).getNodeId())
                        .collect(Collectors.toSet());
                assertThat(owners).hasSize(3);
                assertThat(connection.sync().clusterInfo()).contains("cluster_state:ok", "cluster_size:3");
            } finally {
                clusterClient.shutdown(QUIET, SHUTDOWN_TIMEOUT);
            }
        }
    }
}
