package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.PrometheusText;
import io.bifrost.signaling.testing.RawWebSocket;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input gets its error code; the sender's connection and the room carry on. */
@Timeout(60)
class BadInputIT {
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
    void malformedJsonIsABadRequestAndTheConnectionStays() throws Exception {
        try (WsClient alice = node.join("bad-json", "alice");
             WsClient bob = node.join("bad-json", "bob")) {
            alice.send("{\"type\": \"chat\", \"id\": ");
            JsonNode error = alice.expect("error");
            assertThat(error.path("code").asText()).isEqualTo("bad-request");
            assertThat(error.path("message").asText()).contains("malformed JSON");
            assertRoomStillWorks(alice, bob);
        }
    }

    @Test
    void websocketPingsAndPongsLeaveTheConnectionReadAsBefore() throws Exception {
        try (WsClient alice = node.join("ws-pings", "alice");
             WsClient bob = node.join("ws-pings", "bob")) {
            alice.sendPing();
            alice.sendPing();
            alice.sendPong();
            alice.sendPing();
            assertRoomStillWorks(alice, bob);
        }
        try (WsClient carl = node.join("ws-pongs", "carl");
             WsClient dana = node.join("ws-pongs", "dana")) {
            carl.sendPong();
            carl.sendPong();
            assertRoomStillWorks(carl, dana);
        }
    }

    @Test
    void aMessageInFragmentsIsOneMessage() throws Exception {
        try (RawWebSocket alice = rawJoin("fragments", "alice");
             WsClient bob = node.join("fragments", "bob")) {
            alice.send(RawWebSocket.fragments("{\"type\":\"chat\",", "\"id\":\"f1\",\"text\":\"in ", "pieces, ünïcödé split\"}"));
            assertThat(bob.expect("chat").path("text").asText()).isEqualTo("in pieces, ünïcödé split");
        }
    }

    @Test
    void textThatIsNotUtf8ClosesWith1007AndTheRoomGoesOn() throws Exception {
        try (RawWebSocket mallory = rawJoin("not-utf8", "mallory");
             WsClient alice = node.join("not-utf8", "alice");
             WsClient bob = node.join("not-utf8", "bob")) {
            long counted = errors("not-utf8");
            mallory.send(RawWebSocket.text(new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', '}'}));
            assertThat(mallory.read((opcode, payload, length) -> { })).isEqualTo(1007);
            awaitErrors("not-utf8", counted + 1);
            alice.send("{\"type\":\"chat\",\"id\":\"u1\",\"text\":\"a real \uFFFD is fine\"}");
            assertThat(bob.expect("chat").path("text").asText()).isEqualTo("a real \uFFFD is fine");
        }
    }

    @Test
    void aClientThatClosesWith1009Or1007IsNotCountedAsAFrameTheNodeRefused() throws Exception {
        long tooLarge = errors("frame-too-large");
        long notUtf8 = errors("not-utf8");
        for (int code : new int[] {1009, 1007}) {
            try (RawWebSocket alice = rawJoin("client-close-" + code, "alice")) {
                alice.send(RawWebSocket.close(code));
                assertThat(alice.read((opcode, payload, length) -> { })).as("the node's answer to the close").isEqualTo(code);
            }
        }
        Thread.sleep(500); // a count would follow the close at once
        assertThat(errors("frame-too-large")).isEqualTo(tooLarge);
        assertThat(errors("not-utf8")).isEqualTo(notUtf8);
    }

    @Test
    void fragmentsAddingUpToMoreThanTheFrameLimitClose1009() throws Exception {
        try (RawWebSocket alice = rawJoin("big-fragments", "alice")) {
            long counted = errors("frame-too-large");
            String half = "a".repeat(600_000); // each under limits.maxFrameBytes (1 MiB), together over it
            alice.send(RawWebSocket.fragments("{\"type\":\"chat\",\"text\":\"" + half, half + "\"}"));
            assertThat(alice.read((opcode, payload, length) -> { })).isEqualTo(1009);
            awaitErrors("frame-too-large", counted + 1);
        }
    }

    @Test
    void anUnknownTypeIsABadRequestNamingTheType() throws Exception {
        try (WsClient alice = node.join("bad-type", "alice");
             WsClient bob = node.join("bad-type", "bob")) {
            alice.send("{\"type\":\"dance\",\"id\":\"u1\"}");
            JsonNode error = alice.expect("error");
            assertThat(error.path("id").asText()).isEqualTo("u1");
            assertThat(error.path("code").asText()).isEqualTo("bad-request");
            assertThat(error.path("message").asText()).contains("dance");
            assertRoomStillWorks(alice, bob);
        }
    }

    @Test
    void aMissingFieldIsABadRequestNamingTheField() throws Exception {
        try (WsClient alice = node.join("bad-field", "alice");
             WsClient bob = node.join("bad-field", "bob")) {
            alice.send("{\"type\":\"offer\",\"id\":\"m1\",\"sdp\":\"v=0\"}");
            JsonNode error = alice.expect("error");
            assertThat(error.path("id").asText()).isEqualTo("m1");
            assertThat(error.path("code").asText()).isEqualTo("bad-request");
            assertThat(error.path("message").asText()).contains("'to'");
            alice.send("{\"type\":\"candidate\",\"id\":\"m2\",\"to\":\"" + bob.id() + "\",\"candidate\":42}");
            assertThat(alice.expect("error").path("id").asText()).isEqualTo("m2");
            alice.send("[1,2,3]");
            assertThat(alice.expect("error").path("code").asText()).isEqualTo("bad-request");
            assertRoomStillWorks(alice, bob);
        }
    }

    @Test
    void anOversizedFrameIsTooLargeWithItsIdAndTheConnectionStays() throws Exception {
        try (WsClient alice = node.join("bad-size", "alice");
             WsClient bob = node.join("bad-size", "bob")) {
            String sdp = "a".repeat(70_000);
            alice.send("{\"type\":\"offer\",\"id\":\"big1\",\"to\":\"" + bob.id() + "\",\"sdp\":\"" + sdp + "\"}");
            JsonNode error = alice.expect("error");
            assertThat(error.path("code").asText()).isEqualTo("too-large");
            assertThat(error.path("id").asText()).isEqualTo("big1");
            assertThat(error.path("message").asText()).contains("65536");
            assertRoomStillWorks(alice, bob);
            assertThat(bob.drain()).extracting(f -> f.path("type").asText()).doesNotContain("offer");
        }
    }

    @Test
    void aFrameAboveTheHardLimitClosesOnlyThatConnection() throws Exception {
        try (WsClient alice = node.join("bad-huge", "alice");
             WsClient bob = node.join("bad-huge", "bob");
             WsClient carol = node.join("bad-huge", "carol")) {
            long counted = errors("frame-too-large");
            alice.sendAndForget("{\"type\":\"chat\",\"id\":\"h1\",\"text\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}");
            // 1009 when the close frame is read; when the server closes with part of the frame still
            // unread, the kernel answers with a reset and the client only sees the connection die.
            assertThat(alice.awaitClose().code()).isIn(1009, -1);
            assertThat(bob.expect("participant-left").path("participantId").asText()).isEqualTo(alice.id());
            awaitErrors("frame-too-large", counted + 1);
            assertRoomStillWorks(bob, carol);
        }
    }

    @Test
    void aBinaryFrameIsABadRequest() throws Exception {
        try (WsClient alice = node.join("bad-binary", "alice");
             WsClient bob = node.join("bad-binary", "bob")) {
            alice.sendBinary(new byte[] {1, 2, 3});
            JsonNode error = alice.expect("error");
            assertThat(error.path("code").asText()).isEqualTo("bad-request");
            assertThat(error.path("message").asText()).contains("binary");
            assertRoomStillWorks(alice, bob);
        }
    }

    @Test
    void aFloodIsRateLimitedEveryRequestIsAnsweredOnceAndTheOthersKeepTalking() throws Exception {
        try (WsClient flooder = node.join("bad-flood", "flooder");
             WsClient alice = node.join("bad-flood", "alice");
             WsClient bob = node.join("bad-flood", "bob")) {
            int sent = 600;
            for (int i = 0; i < sent; i++) {
                flooder.send("{\"type\":\"ping\",\"id\":\"f" + i + "\"}");
            }
            alice.send(Map.of("type", "chat", "id", "q1", "text", "still here?"));
            assertThat(bob.expect("chat").path("text").asText()).isEqualTo("still here?");

            Map<String, String> answers = new HashMap<>();
            int limited = 0;
            while (answers.size() < sent) {
                JsonNode frame = flooder.next();
                String type = frame.path("type").asText();
                if (type.equals("pong") || type.equals("error")) {
                    String previous = answers.put(frame.path("id").asText(), type);
                    assertThat(previous).as("second answer to %s", frame.path("id")).isNull();
                    if (type.equals("error")) {
                        assertThat(frame.path("code").asText()).isEqualTo("rate-limited");
                        limited++;
                    }
                }
            }
            assertThat(limited).as("rate-limited answers").isPositive();
            assertThat(answers).hasSize(sent);

            Thread.sleep(1000); // the bucket refills at the configured rate
            flooder.send("{\"type\":\"ping\",\"id\":\"after\"}");
            assertThat(flooder.expect("pong").path("id").asText()).isEqualTo("after");
            assertThat(flooder.isClosed()).isFalse();
        }
    }

    /** The sender can still talk and be heard, and so can the others. */
    private static RawWebSocket rawJoin(String room, String identity) throws IOException {
        RawWebSocket.Attempt attempt = RawWebSocket.connect(InetAddress.getLoopbackAddress(), node.port(),
                "/rtc?access_token=" + URLEncoder.encode(node.token(room, identity, Role.SPEAKER), StandardCharsets.UTF_8));
        assertThat(attempt.opened()).as("status %s: %s", attempt.status(), attempt.body()).isTrue();
        return attempt.socket().readTimeout(WsClient.WAIT);
    }

    private static long errors(String code) throws Exception {
        return PrometheusText.counter(node.get("/metrics").body(), "bifrost_errors_total", "code", code);
    }

    /** The connection's end is counted once the node has seen it close, which may be after the client did. */
    private static void awaitErrors(String code, long atLeast) throws Exception {
        long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
        while (errors(code) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(errors(code)).as("bifrost_errors_total{code=%s}", code).isGreaterThanOrEqualTo(atLeast);
    }

    private static void assertRoomStillWorks(WsClient sender, WsClient other) throws Exception {
        sender.send("{\"type\":\"ping\",\"id\":\"alive\"}");
        assertThat(sender.expect("pong").path("id").asText()).isEqualTo("alive");
        sender.send(Map.of("type", "chat", "id", "after", "text", "still works"));
        assertThat(other.expect("chat").path("text").asText()).isEqualTo("still works");
        other.send(Map.of("type", "chat", "id", "reply", "text", "heard you"));
        assertThat(sender.expect("chat").path("text").asText()).isIn("still works", "heard you");
    }
}
