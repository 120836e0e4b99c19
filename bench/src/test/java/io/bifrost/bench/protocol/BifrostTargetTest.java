package io.bifrost.bench.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BifrostTargetTest {
    private static final String JOINED = "{\"type\":\"joined\",\"protocol\":1,\"room\":\"r\",\"mode\":\"mesh\",\"sessionId\":\"s_1\","
            + "\"participant\":{\"id\":\"p_me\",\"identity\":\"a\"},\"participants\":[{\"id\":\"p_b\",\"identity\":\"b\"},"
            + "{\"id\":\"p_c\",\"identity\":\"c\"}],\"iceServers\":[],\"pingInterval\":10000,\"pingTimeout\":30000,\"seq\":4}";

    private final BifrostTarget target = BifrostTarget.hmac("k", "a-secret-of-at-least-thirty-two-bytes!!");
    private final TestClient quiet = new TestClient("r", null);

    private Target.Inbound classify(String frame) {
        return quiet.classify(target, frame);
    }

    @Test
    void framesAreKnownByTheirType() {
        assertThat(classify("{\"type\":\"joined\",\"protocol\":1}")).isEqualTo(Target.Inbound.JOINED);
        assertThat(classify("{\"type\":\"resumed\",\"protocol\":1}")).isEqualTo(Target.Inbound.RESUMED);
        assertThat(classify("{\"type\":\"chat\",\"seq\":3,\"from\":\"p\",\"text\":\"t\",\"ts\":1}")).isEqualTo(Target.Inbound.CHAT);
        assertThat(classify("{\"type\":\"error\",\"code\":\"rate-limited\"}")).isEqualTo(Target.Inbound.ERROR);
        assertThat(classify("{\"type\":\"error\",\"code\":\"room-full\",\"message\":\"full\"}")).isEqualTo(Target.Inbound.REFUSED);
        assertThat(classify("{\"type\":\"ack\",\"id\":\"c\",\"seq\":3}")).isEqualTo(Target.Inbound.OTHER);
        assertThat(quiet.sent).as("Bifrost frames need no answer").isEmpty();
    }

    @Test
    void everyParticipantGetsItsOwnTokenForItsRoom() {
        assertThat(target.upgradeTarget("r", "a", true)).startsWith("/rtc?access_token=ey");
        assertThat(target.upgradeTarget("r", "a", true)).isNotEqualTo(target.upgradeTarget("r", "b", false));
        assertThat(target.upgradeTarget("r", "a", true)).isNotEqualTo(target.upgradeTarget("s", "a", true));
    }

    @Test
    void theSessionAndTheLastRoomEventAreKeptForAResume() {
        ResumePoint point = new ResumePoint();
        TestClient client = new TestClient("r", point);
        assertThat(target.resumeTarget("/rtc?access_token=t", point)).as("nothing to resume yet").isEqualTo("/rtc?access_token=t");

        assertThat(client.classify(target, JOINED)).isEqualTo(Target.Inbound.JOINED);
        assertThat(point.session()).isEqualTo("s_1");
        assertThat(point.position()).isEqualTo("4");
        client.classify(target, "{\"type\":\"participant-joined\",\"seq\":5,\"participant\":{\"id\":\"p_d\"}}");
        client.classify(target, "{\"type\":\"chat\",\"seq\":7,\"from\":\"p\",\"text\":\"t\",\"ts\":1}");
        client.classify(target, "{\"type\":\"chat\",\"seq\":6,\"from\":\"p\",\"text\":\"t\",\"ts\":1}");
        client.classify(target, "{\"type\":\"ack\",\"id\":\"c\",\"seq\":9}");
        assertThat(point.position()).as("the highest room event, not an ack's seq").isEqualTo("7");
        assertThat(target.resumeTarget("/rtc?access_token=t", point)).isEqualTo("/rtc?access_token=t&session=s_1&lastSeq=7");
    }

    @Test
    void theOthersInTheRoomAndRelayedSignalsAreRead() {
        Signaling signaling = target.signaling();
        assertThat(signaling.announced(TestClient.bytes(JOINED), 0, JOINED.length())).containsExactly("p_b", "p_c");
        String joined = "{\"type\":\"participant-joined\",\"seq\":5,\"participant\":{\"id\":\"p_d\",\"identity\":\"d\"}}";
        assertThat(signaling.announced(TestClient.bytes(joined), 0, joined.length())).containsExactly("p_d");
        String offer = "{\"type\":\"offer\",\"from\":\"p_b\",\"sdp\":\"v=0\"}";
        assertThat(signaling.relayed(TestClient.bytes(offer), 0, offer.length()))
                .isEqualTo(new Signaling.Relayed(Signaling.Kind.OFFER, "p_b"));
        String candidate = "{\"type\":\"candidate\",\"from\":\"p_c\",\"candidate\":null}";
        assertThat(signaling.relayed(TestClient.bytes(candidate), 0, candidate.length()))
                .isEqualTo(new Signaling.Relayed(Signaling.Kind.CANDIDATE, "p_c"));
        assertThat(signaling.relayed(TestClient.bytes(JOINED), 0, JOINED.length())).isNull();
    }

    @Test
    void signalsAreRequestsOfTheProtocol() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var offer = json.readTree(new String(target.offer("p_b"), StandardCharsets.UTF_8));
        assertThat(offer.path("type").asText()).isEqualTo("offer");
        assertThat(offer.path("to").asText()).isEqualTo("p_b");
        assertThat(offer.path("sdp").asText()).startsWith("v=0\r\n").hasSizeGreaterThan(1000);
        var candidate = json.readTree(new String(target.candidate("p_b", 3), StandardCharsets.UTF_8));
        assertThat(candidate.path("candidate").path("candidate").asText()).startsWith("candidate:4 1 udp");
        assertThat(json.readTree(new String(target.leave(), StandardCharsets.UTF_8)).path("type").asText()).isEqualTo("leave");
    }
}
