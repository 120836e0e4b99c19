package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Session resume on a single node, from the room's history in memory. */
@Timeout(60)
class ResumeIT {
    private static final String SDP = CrossNodeRoomContract.SDP;
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("rooms.resumeWindow", "3s"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aDroppedClientResumesWithItsIdAndGetsWhatItMissedInOrder() throws Exception {
        try (WsClient alice = node.join("resume-1", "alice");
             WsClient bob = node.join("resume-1", "bob")) {
            long lastSeq = alice.expect("participant-joined").path("seq").asLong();
            assertThat(node.node().dropConnection(alice.id())).isTrue();
            bob.send(Map.of("type", "chat", "id", "c1", "text", "one"));
            bob.send(Map.of("type", "offer", "id", "o1", "to", alice.id(), "sdp", SDP));
            bob.send(Map.of("type", "chat", "id", "c2", "text", "two"));
            assertThat(bob.expect("ack").path("id").asText()).isEqualTo("c1");
            assertThat(bob.expect("ack").path("id").asText()).isEqualTo("o1");

            try (WsClient back = node.resume("resume-1", "alice", alice.sessionId(), lastSeq)) {
                JsonNode resumed = back.awaitResumed();
                assertThat(resumed.path("participant").path("id").asText()).isEqualTo(alice.id());
                assertThat(resumed.path("sessionId").asText()).isEqualTo(alice.sessionId());
                assertThat(back.expect("chat").path("text").asText()).isEqualTo("one");
                assertThat(back.expect("chat").path("text").asText()).isEqualTo("two");
                assertThat(back.expect("offer").path("from").asText()).isEqualTo(bob.id());
                back.send(Map.of("type", "chat", "id", "c3", "text", "three"));
                assertThat(back.expect("ack").path("seq").asLong()).isEqualTo(lastSeq + 3);
                bob.expect("chat");
                bob.expect("chat");
                assertThat(bob.expect("chat").path("text").asText()).isEqualTo("three");
                assertThat(bob.drain()).noneMatch(f -> f.path("type").asText().startsWith("participant-"));
            }
        }
    }

    @Test
    void resumingOverAConnectionTheServerThoughtAliveClosesTheOldOne() throws Exception {
        try (WsClient alice = node.join("resume-2", "alice");
             WsClient bob = node.join("resume-2", "bob")) {
            long lastSeq = alice.expect("participant-joined").path("seq").asLong();
            try (WsClient back = node.resume("resume-2", "alice", alice.sessionId(), lastSeq)) {
                back.awaitResumed();
                WsClient.Close close = alice.awaitClose();
                assertThat(close.code()).isEqualTo(1000);
                assertThat(close.reason()).isEqualTo("resumed-elsewhere");
                bob.send(Map.of("type", "offer", "id", "o1", "to", alice.id(), "sdp", SDP));
                assertThat(back.expect("offer").path("from").asText()).isEqualTo(bob.id());
            }
        }
    }

    @Test
    void afterTheWindowTheClientIsToldAndJoinsAfresh() throws Exception {
        try (WsClient alice = node.join("resume-3", "alice");
             WsClient bob = node.join("resume-3", "bob")) {
            long lastSeq = alice.expect("participant-joined").path("seq").asLong();
            assertThat(node.node().dropConnection(alice.id())).isTrue();
            JsonNode left = bob.expect("participant-left");
            assertThat(left.path("participantId").asText()).isEqualTo(alice.id());
            assertThat(left.path("reason").asText()).isEqualTo("disconnected");

            try (WsClient back = node.resume("resume-3", "alice", alice.sessionId(), lastSeq)) {
                JsonNode refusal = back.next();
                assertThat(refusal.path("type").asText()).isEqualTo("error");
                assertThat(refusal.path("code").asText()).isEqualTo("resume-failed");
                back.awaitJoined();
                assertThat(back.id()).isNotEqualTo(alice.id());
                assertThat(back.sessionId()).isNotEqualTo(alice.sessionId());
                assertThat(bob.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(back.id());
            }
        }
    }

    @Test
    void aLastSeqAheadOfTheRoomIsRefusedAndTheClientJoinsAfreshInsteadOfMissingEvents() throws Exception {
        try (WsClient alice = node.join("resume-5", "alice");
             WsClient bob = node.join("resume-5", "bob")) {
            long lastSeq = alice.expect("participant-joined").path("seq").asLong();
            assertThat(node.node().dropConnection(alice.id())).isTrue();
            try (WsClient back = node.resume("resume-5", "alice", alice.sessionId(), lastSeq + 100)) {
                JsonNode refusal = back.next();
                assertThat(refusal.path("code").asText()).isEqualTo("resume-failed");
                assertThat(refusal.path("message").asText()).contains("ahead of the room");
                JsonNode joined = back.awaitJoined();
                assertThat(back.id()).isNotEqualTo(alice.id());
                assertThat(joined.path("participants").findValuesAsText("identity")).containsExactly("bob");
                assertThat(bob.expect("participant-left").path("participantId").asText()).isEqualTo(alice.id());
                assertThat(bob.expect("participant-joined").path("participant").path("id").asText()).isEqualTo(back.id());
            }
        }
    }

    @Test
    void anotherIdentityCannotTakeASessionOver() throws Exception {
        try (WsClient alice = node.join("resume-4", "alice")) {
            try (WsClient mallory = node.resume("resume-4", "mallory", alice.sessionId(), alice.joined().path("seq").asLong())) {
                assertThat(mallory.next().path("code").asText()).isEqualTo("resume-failed");
                mallory.awaitJoined();
                assertThat(mallory.id()).isNotEqualTo(alice.id());
            }
            alice.send(Map.of("type", "ping", "id", "k1"));
            assertThat(alice.expect("pong").path("id").asText()).as("alice's own connection is untouched").isEqualTo("k1");
        }
    }
}
