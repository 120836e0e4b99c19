package io.bifrost.signaling;

import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.TestNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The REST API of a cluster: participants on one node, every call answered by the other. */
class RestApiClusterIT extends RestApiContract {
    private static RedisFixture redis;
    private static List<TestNode> nodes;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisFixture.start();
        nodes = TestNode.startAll(2, Map.of("redis.url", redis.url()));
    }

    @AfterAll
    static void stop() {
        nodes.forEach(TestNode::close);
        redis.close();
    }

    @Override
    TestNode roomNode() {
        return nodes.get(0);
    }

    @Override
    TestNode apiNode() {
        return nodes.get(1);
    }
}
