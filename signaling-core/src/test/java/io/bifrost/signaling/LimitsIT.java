package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(90)
class LimitsIT {

    @Test
    void aClientThatStopsReadingIsCutOffWhileTheOthersReceiveEverything() throws Exception {
        // A small queue and a generous rate make the stalled client overflow in seconds, not minutes.
        // Resume off: the cut-off client leaves at once instead of after the resume window.
        try (TestNode node = TestNode.start(Map.of("limits.outboundQueueFrames", "16",
                "limits.messagesPerSecond", "1000", "limits.messageBurst", "1000", "rooms.resumeWindow", "0s"))) {
            try (WsClient talker = node.join("slow", "talker");
                 WsClient listener = node.join("slow", "listener")) {
                String token = node.token("slow", "stalled", Role.LISTENER);
                try (Socket stalled = RawHttp.nonReadingClient(node.port(),
                        "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))) {
                    // The listener joined after the talker: the only arrival it sees is the stalled client's.
                    String stalledId = listener.expect("participant-joined").path("participant").path("id").asText();
                    talker.expect("participant-joined");
                    talker.expect("participant-joined");

                    String text = "x".repeat(4000);
                    int sent = 0;
                    JsonNode left = null;
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (left == null && System.nanoTime() < deadline) {
                        for (int i = 0; i < 50; i++) {
                            talker.send(Map.of("type", "chat", "text", text));
                            sent++;
                        }
                        left = talker.drain().stream()
                                .filter(f -> f.path("type").asText().equals("participant-left")).findFirst().orElse(null);
                        Thread.sleep(20);
                    }
                    assertThat(left).as("the stalled client was never cut off after %d messages", sent).isNotNull();
                    assertThat(left.path("participantId").asText()).isEqualTo(stalledId);
                    assertThat(left.path("reason").asText()).isEqualTo("slow-consumer");

                    // The healthy listener got every message, in order, without a gap.
                    long previous = -1;
                    int chats = 0;
                    while (chats < sent) {
                        JsonNode frame = listener.next();
                        if (frame.path("type").asText().equals("chat")) {
                            if (previous >= 0) {
                                assertThat(frame.path("seq").asLong()).isGreaterThan(previous);
                            }
                            previous = frame.path("seq").asLong();
                            chats++;
                        }
                    }
                    assertThat(chats).isEqualTo(sent);
                }
            }
        }
    }

    @Test
    void aSilentClientTimesOutAndTheOthersAreTold() throws Exception {
        try (TestNode node = TestNode.start(Map.of("limits.pingInterval", "500ms", "limits.pingTimeout", "1500ms"))) {
            try (WsClient talker = node.join("ping", "talker");
                 WsClient silent = node.join("ping", "silent")) {
                talker.expect("participant-joined");
                for (int i = 0; i < 8; i++) { // the talker keeps pinging as advised; the other never does
                    talker.send("{\"type\":\"ping\",\"id\":\"k" + i + "\"}");
                    Thread.sleep(400);
                }
                assertThat(silent.awaitClose()).isEqualTo(new WsClient.Close(1000, "ping-timeout"));
                JsonNode left = talker.expect("participant-left");
                assertThat(left.path("participantId").asText()).isEqualTo(silent.id());
                assertThat(left.path("reason").asText()).isEqualTo("timeout");
                assertThat(talker.isClosed()).isFalse();
            }
        }
    }

    @Test
    void aStoppingNodeTellsItsClientsToReconnectElsewhere() throws Exception {
        TestNode node = TestNode.start();
        try (WsClient alice = node.join("shutdown", "alice")) {
            node.close();
            JsonNode disconnect = alice.expect("disconnect");
            assertThat(disconnect.path("reason").asText()).isEqualTo("server-shutdown");
            assertThat(disconnect.path("reconnect").asBoolean()).isTrue();
            assertThat(alice.awaitClose()).isEqualTo(new WsClient.Close(1001, "server-shutdown"));
        }
    }
}
