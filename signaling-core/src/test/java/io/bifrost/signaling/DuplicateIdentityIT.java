package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** rooms.duplicateIdentity: an identity already in a room joins again, on one node and across two. */
class DuplicateIdentityIT {

    @Test
    void byDefaultTheNewerConnectionReplacesTheOlderOne() throws Exception {
        try (TestNode node = TestNode.start()) {
            assertReplaced(node, node, "dup-replace");
        }
    }

    @Test
    void acrossNodesTheReplacedSessionIsToldOnItsOwnNode() throws Exception {
        try (RedisFixture redis = RedisFixture.start()) {
            List<TestNode> nodes = TestNode.startAll(2, Map.of("redis.url", redis.url()));
            try {
                assertReplaced(nodes.get(0), nodes.get(1), "dup-cluster");
                assertRejected(TestNode.startAll(2, Map.of("redis.url", redis.url(), "rooms.duplicateIdentity", "reject")),
                        "dup-cluster-reject");
            } finally {
                nodes.forEach(TestNode::close);
            }
        }
    }

    @Test
    void withRejectTheNewerJoinIsRefusedAndTheRoomIsUnchanged() throws Exception {
        assertRejected(List.of(TestNode.start(Map.of("rooms.duplicateIdentity", "reject"))), "dup-reject");
    }

    @Test
    void withAllowBothConnectionsStay() throws Exception {
        try (TestNode node = TestNode.start(Map.of("rooms.duplicateIdentity", "allow"))) {
            try (WsClient host = node.join("dup-allow", "host", Role.HOST);
                 WsClient first = node.join("dup-allow", "ann");
                 WsClient second = node.join("dup-allow", "ann")) {
                assertThat(second.joined().path("participants")).extracting(p -> p.path("identity").asText())
                        .containsExactly("host", "ann");
                assertThat(host.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(first.id());
                assertThat(host.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(second.id());
                first.send(Map.of("type", "ping", "id", "k1"));
                assertThat(first.expect("pong").path("id").asText()).isEqualTo("k1");
            }
        }
    }

    private static void assertReplaced(TestNode older, TestNode newer, String room) throws Exception {
        try (WsClient host = older.join(room, "host", Role.HOST);
             WsClient first = older.join(room, "ann", Role.SPEAKER)) {
            host.expect("participant-joined");
            try (WsClient second = newer.join(room, "ann", Role.SPEAKER)) {
                JsonNode disconnect = first.expect("disconnect");
                assertThat(disconnect.path("reason").asText()).isEqualTo("duplicate-identity");
                assertThat(disconnect.path("reconnect").asBoolean()).isFalse();
                assertThat(first.awaitClose().reason()).isEqualTo("duplicate-identity");

                JsonNode left = host.expect("participant-left");
                assertThat(left.path("participantId").asText()).isEqualTo(first.id());
                assertThat(left.path("reason").asText()).isEqualTo("duplicate-identity");
                JsonNode joined = host.expect("participant-joined");
                assertThat(joined.path("participant").path("id").asText()).isEqualTo(second.id());
                assertThat(joined.path("seq").asLong()).isEqualTo(left.path("seq").asLong() + 1);
                assertThat(second.joined().path("participants")).extracting(p -> p.path("identity").asText())
                        .containsExactly("host");
                host.expectSilence(java.time.Duration.ofMillis(300)); // the replaced session's own leave announces nothing more
            }
        }
    }

    private static void assertRejected(List<TestNode> nodes, String room) throws Exception {
        try {
            TestNode a = nodes.get(0);
            TestNode b = nodes.get(nodes.size() - 1);
            try (WsClient host = a.join(room, "host", Role.HOST);
                 WsClient first = a.join(room, "ann")) {
                host.expect("participant-joined");
                WsClient second = WsClient.connect(b.rtc(b.token(room, "ann", Role.LISTENER)));
                assertThat(second.expect("error").path("code").asText()).isEqualTo("duplicate-identity");
                assertThat(second.awaitClose().reason()).isEqualTo("duplicate-identity");
                host.expectSilence(java.time.Duration.ofMillis(300));
                first.send(Map.of("type", "ping", "id", "k1"));
                assertThat(first.expect("pong").path("id").asText()).as("the first stays").isEqualTo("k1");
            }
        } finally {
            nodes.forEach(TestNode::close);
        }
    }
}
