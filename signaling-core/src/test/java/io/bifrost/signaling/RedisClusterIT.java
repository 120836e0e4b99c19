package io.bifrost.signaling;

import io.bifrost.rooms.testing.RedisClusterFixture;
import io.bifrost.signaling.testing.TestNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/** The cross-node room tests on a Redis Cluster of three masters: keys with hash tags, scripts per slot. */
@Timeout(120)
class RedisClusterIT extends CrossNodeRoomContract {
    private static RedisClusterFixture redis;
    private static List<TestNode> nodes = List.of();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisClusterFixture.start();
        nodes = TestNode.startAll(3, Map.of("redis.url", redis.url(), "rooms.largeAudience", LARGE_AUDIENCE));
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
}
