package io.bifrost.signaling;

import io.bifrost.signaling.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The REST API of a single node, rooms in its memory. */
class RestApiIT extends RestApiContract {
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Override
    TestNode roomNode() {
        return node;
    }

    @Override
    TestNode apiNode() {
        return node;
    }
}
