package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Raising hands, promoting, demoting and muting, over real websockets, on a node without an SFU. */
@Timeout(60)
class RoomControlIT {
    private static final String SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void theRoomsModeComesFromTheTokenThatCreatesItAndStays() throws Exception {
        try (WsClient host = node.join("radio-mode", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient listener = node.join("radio-mode", "ann", Role.LISTENER, RoomMode.MESH);
             WsClient caller = node.join("call-mode", "carl", Role.SPEAKER)) {
            assertThat(host.joined().path("mode").asText()).isEqualTo("broadcast");
            assertThat(listener.joined().path("mode").asText()).as("the room was created as a broadcast").isEqualTo("broadcast");
            assertThat(caller.joined().path("mode").asText()).as("the server's default").isEqualTo("mesh");
            assertThat(host.joined().path("participant").path("handRaised").asBoolean(true)).isFalse();
        }
    }

    @Test
    void aListenerRaisesItsHandTheHostPromotesItAndEveryoneSeesTheSameChanges() throws Exception {
        try (WsClient host = node.join("radio-promote", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient ann = node.join("radio-promote", "ann", Role.LISTENER);
             WsClient bob = node.join("radio-promote", "bob", Role.LISTENER)) {
            ann.send(Map.of("type", "raise-hand", "id", "h1"));
            long handSeq = ann.expect("ack").path("seq").asLong();
            JsonNode raised = host.expect("participant-updated");
            assertThat(raised.path("seq").asLong()).isEqualTo(handSeq);
            assertThat(raised.path("change").asText()).isEqualTo("hand");
            assertThat(raised.path("participant").path("id").asText()).isEqualTo(ann.id());
            assertThat(raised.path("participant").path("handRaised").asBoolean()).isTrue();
            assertThat(bob.expect("participant-updated").path("seq").asLong()).isEqualTo(handSeq);

            host.send(Map.of("type", "promote", "id", "p1", "participantId", ann.id()));
            long promoteSeq = host.expect("ack").path("seq").asLong();
            for (WsClient client : new WsClient[] {host, ann, bob}) {
                JsonNode promoted = client.expect("participant-updated");
                if (client == ann) {
                    promoted = client.expect("participant-updated"); // ann saw its own hand first
                }
                assertThat(promoted.path("seq").asLong()).isEqualTo(promoteSeq);
                assertThat(promoted.path("change").asText()).isEqualTo("role");
                assertThat(promoted.path("participant").path("role").asText()).isEqualTo("speaker");
                assertThat(promoted.path("participant").path("handRaised").asBoolean()).as("the hand goes down").isFalse();
            }

            host.send(Map.of("type", "demote", "id", "d1", "participantId", ann.id()));
            assertThat(host.expect("ack").path("seq").asLong()).isEqualTo(promoteSeq + 1);
            assertThat(bob.expect("participant-updated").path("participant").path("role").asText()).isEqualTo("listener");
        }
    }

    @Test
    void onlyAHostPromotesDemotesOrMutesAndARefusalChangesNothing() throws Exception {
        try (WsClient host = node.join("radio-refuse", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient speaker = node.join("radio-refuse", "sam", Role.SPEAKER);
             WsClient listener = node.join("radio-refuse", "ann", Role.LISTENER)) {
            host.expect("participant-joined");
            host.expect("participant-joined");
            host.expectListeners(1);
            listener.send(Map.of("type", "promote", "id", "p1", "participantId", listener.id()));
            speaker.send(Map.of("type", "mute", "id", "m1", "participantId", host.id()));
            listener.send(Map.of("type", "demote", "id", "d1", "participantId", speaker.id()));

            for (WsClient client : new WsClient[] {listener, speaker, listener}) {
                JsonNode error = client.expect("error");
                assertThat(error.path("code").asText()).isEqualTo("forbidden");
                assertThat(error.path("message").asText()).contains("only a room admin");
            }
            host.expectSilence(Duration.ofMillis(300));
        }
    }

    @Test
    void aHostMutesASpeakerAndEveryoneIsTold() throws Exception {
        try (WsClient host = node.join("radio-mute", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient speaker = node.join("radio-mute", "sam", Role.SPEAKER)) {
            host.send(Map.of("type", "mute", "id", "m1", "participantId", speaker.id()));
            assertThat(host.expect("ack").path("seq").asLong()).isPositive();
            JsonNode muted = speaker.expect("participant-updated");
            assertThat(muted.path("change").asText()).isEqualTo("mute");
            assertThat(muted.path("participant").path("muted").asBoolean()).isTrue();

            host.send(Map.of("type", "mute", "id", "m2", "participantId", speaker.id(), "muted", false));
            host.expect("ack");
            assertThat(speaker.expect("participant-updated").path("participant").path("muted").asBoolean()).isFalse();
        }
    }

    @Test
    void aListenerWhoTriesToPublishIsForbiddenAndWithoutAnSfuASpeakerIsToldItIsUnavailable() throws Exception {
        try (WsClient host = node.join("radio-nosfu", "host", Role.HOST, RoomMode.BROADCAST);
             WsClient listener = node.join("radio-nosfu", "ann", Role.LISTENER)) {
            listener.send(Map.of("type", "offer", "id", "o1", "to", "sfu", "sdp", SDP));
            JsonNode forbidden = listener.expect("error");
            assertThat(forbidden.path("id").asText()).isEqualTo("o1");
            assertThat(forbidden.path("code").asText()).isEqualTo("forbidden");
            assertThat(forbidden.path("message").asText()).contains("raise your hand");

            host.send(Map.of("type", "offer", "id", "o2", "to", "sfu", "sdp", SDP));
            JsonNode unavailable = host.expect("error");
            assertThat(unavailable.path("id").asText()).isEqualTo("o2");
            assertThat(unavailable.path("code").asText()).isEqualTo("sfu-unavailable");
        }
    }

    @Test
    void inAMeshRoomTheSfuIsNoTarget() throws Exception {
        try (WsClient caller = node.join("call-sfu", "carl", Role.SPEAKER)) {
            caller.send(Map.of("type", "offer", "id", "o1", "to", "sfu", "sdp", SDP));
            JsonNode error = caller.expect("error");
            assertThat(error.path("code").asText()).isEqualTo("bad-request");
            assertThat(error.path("message").asText()).contains("mesh room");
        }
    }
}
