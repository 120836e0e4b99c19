package io.bifrost.bench.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SocketIoTargetTest {
    private static final String OPEN = "0{\"sid\":\"a\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}";

    private final SocketIoTarget target = new SocketIoTarget();
    private final TestClient client = new TestClient("room-1", null);

    private Target.Inbound classify(String frame) {
        return client.classify(target, frame);
    }

    @Test
    void theOpenPacketIsAnsweredWithAConnectNamingTheRoom() {
        assertThat(classify(OPEN)).isEqualTo(Target.Inbound.OTHER);
        assertThat(client.sent).containsExactly("40{\"room\":\"room-1\"}");
        assertThat(classify("40{\"sid\":\"b\"}")).isEqualTo(Target.Inbound.JOINED);
    }

    @Test
    void pingsAreAnsweredAndChatsRecognised() {
        assertThat(classify("2")).isEqualTo(Target.Inbound.OTHER);
        assertThat(client.sent).containsExactly("3");
        assertThat(classify("42[\"chat\",{\"seq\":1,\"from\":\"x\",\"text\":\"bnch:\",\"ts\":1}]")).isEqualTo(Target.Inbound.CHAT);
        assertThat(classify("431[{\"seq\":1}]")).isEqualTo(Target.Inbound.OTHER);
        assertThat(classify("431[{\"error\":\"not-found\"}]")).isEqualTo(Target.Inbound.ERROR);
        assertThat(classify("44{\"message\":\"no\"}")).isEqualTo(Target.Inbound.REFUSED);
    }

    @Test
    void roomsThatNeedEscapingAreRefused() {
        assertThatThrownBy(() -> target.upgradeTarget("a\"b", "x", false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDroppedSessionIsAskedBackWithItsPidAndLastOffset() {
        ResumePoint point = new ResumePoint();
        TestClient resuming = new TestClient("room-1", point);
        resuming.classify(target, OPEN);
        assertThat(resuming.sent).containsExactly("40{\"room\":\"room-1\"}");
        assertThat(resuming.classify(target, "40{\"sid\":\"s1\",\"pid\":\"p1\"}")).isEqualTo(Target.Inbound.JOINED);
        resuming.classify(target, "42[\"chat\",{\"seq\":1,\"from\":\"x\",\"text\":\"bnch:\",\"ts\":1},\"1700000000000-3\"]");
        assertThat(point.session()).isEqualTo("p1");
        assertThat(point.position()).isEqualTo("1700000000000-3");

        resuming.sent.clear();
        resuming.classify(target, OPEN);
        assertThat(resuming.sent).containsExactly("40{\"room\":\"room-1\",\"pid\":\"p1\",\"offset\":\"1700000000000-3\"}");
        assertThat(resuming.classify(target, "40{\"sid\":\"s1\",\"pid\":\"p1\"}")).as("the same pid: recovered").isEqualTo(Target.Inbound.RESUMED);
        assertThat(resuming.classify(target, "40{\"sid\":\"s2\",\"pid\":\"p2\"}")).as("a new pid: a new session").isEqualTo(Target.Inbound.JOINED);
        assertThat(point.session()).isEqualTo("p2");
    }

    @Test
    void announcedParticipantsAndRelayedSignalsAreRead() throws Exception {
        SocketIoTarget announcing = new SocketIoTarget(true);
        TestClient caller = new TestClient("hs-1", null);
        caller.classify(announcing, OPEN);
        assertThat(caller.sent).containsExactly("40{\"room\":\"hs-1\",\"announce\":true}");

        Signaling signaling = announcing.signaling();
        String listed = "42[\"participants\",[\"Ab-1\",\"Cd_2\"]]";
        assertThat(signaling.announced(TestClient.bytes(listed), 0, listed.length())).containsExactly("Ab-1", "Cd_2");
        String none = "42[\"participants\",[]]";
        assertThat(signaling.announced(TestClient.bytes(none), 0, none.length())).isEmpty();
        String joined = "42[\"participant-joined\",{\"id\":\"Ef3\"}]";
        assertThat(signaling.announced(TestClient.bytes(joined), 0, joined.length())).containsExactly("Ef3");
        String answer = "42[\"answer\",{\"from\":\"Ab-1\",\"sdp\":\"v=0\"}]";
        assertThat(signaling.relayed(TestClient.bytes(answer), 0, answer.length()))
                .isEqualTo(new Signaling.Relayed(Signaling.Kind.ANSWER, "Ab-1"));

        String offer = new String(signaling.offer("Ab-1"), StandardCharsets.UTF_8);
        assertThat(offer).startsWith("421[\"offer\",");
        var event = new ObjectMapper().readTree(offer.substring(3));
        assertThat(event.get(1).path("to").asText()).isEqualTo("Ab-1");
        assertThat(event.get(1).path("sdp").asText()).startsWith("v=0\r\n");
        assertThat(new String(signaling.leave(), StandardCharsets.UTF_8)).isEqualTo("41");
    }
}
