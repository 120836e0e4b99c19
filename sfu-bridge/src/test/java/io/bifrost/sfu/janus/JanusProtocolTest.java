package io.bifrost.sfu.janus;

import static io.bifrost.sfu.janus.JanusProtocol.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.sfu.Direction;
import io.bifrost.sfu.SfuEvent;
import io.bifrost.sfu.SfuException;
import io.bifrost.sfu.SfuException.Reason;
import io.bifrost.sfu.testing.Sdp;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class JanusProtocolTest {

    @Test
    void aCoreErrorIsReadWithItsCode() throws Exception {
        JsonNode reply = JSON.readTree("""
                {"janus":"error","transaction":"t1","error":{"code":403,"reason":"Unauthorized request (wrong or missing secret/token)"}}""");

        JanusException error = JanusProtocol.error(reply).orElseThrow();

        assertThat(error.code()).isEqualTo(403);
        assertThat(error.getMessage()).contains("Unauthorized");
    }

    @Test
    void aPluginErrorInsidePluginDataIsAnErrorToo() throws Exception {
        JsonNode reply = JSON.readTree("""
                {"janus":"success","transaction":"t2","sender":1,"plugindata":{"plugin":"janus.plugin.videoroom",
                 "data":{"videoroom":"event","error_code":426,"error":"No such room (r1)"}}}""");

        assertThat(JanusProtocol.error(reply)).hasValueSatisfying(e -> assertThat(e.code()).isEqualTo(426));
    }

    @Test
    void aSuccessfulReplyHasNoError() throws Exception {
        JsonNode reply = JSON.readTree("""
                {"janus":"success","transaction":"t3","plugindata":{"plugin":"janus.plugin.videoroom",
                 "data":{"videoroom":"created","room":"r1","permanent":false}}}""");

        assertThat(JanusProtocol.error(reply)).isEmpty();
        assertThat(JanusProtocol.pluginData(reply).path("room").asText()).isEqualTo("r1");
    }

    @Test
    void missingThingsAreNotFoundAndEverythingElseIsRefused() {
        assertThat(new JanusException(426, "No such room").toSfu("open r1").reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(new JanusException(428, "No such feed").toSfu("subscribe").reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(new JanusException(458, "No such session").toSfu("x").reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(new JanusException(433, "Unauthorized (wrong admin_key)").toSfu("open r1").reason()).isEqualTo(Reason.REFUSED);
        assertThat(new JanusException(437, "Invalid SDP").toSfu("publish").reason()).isEqualTo(Reason.REFUSED);
        assertThat(new JanusException(433, "Unauthorized").toSfu("open r1").getMessage())
                .isEqualTo("open r1: Janus error 433 (Unauthorized)");
    }

    @Test
    void wrappedFailuresAreUnwrappedAndOthersMeanUnavailable() {
        SfuException timeout = new SfuException(Reason.TIMEOUT, "late");

        assertThat(JanusProtocol.toSfu(new CompletionException(timeout), "x")).isSameAs(timeout);
        assertThat(JanusProtocol.toSfu(new CompletionException(new JanusException(426, "gone")), "x").reason())
                .isEqualTo(Reason.NOT_FOUND);
        assertThat(JanusProtocol.toSfu(new java.io.IOException("reset"), "x").reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(JanusProtocol.isJanusError(new CompletionException(new JanusException(427, "exists")), 427)).isTrue();
    }

    @Test
    void janusEventsBecomeEndpointEvents() throws Exception {
        assertThat(event("{\"janus\":\"webrtcup\",\"sender\":7}", Direction.PUBLISH))
                .isEqualTo(new SfuEvent.MediaChanged(Direction.PUBLISH, true));
        assertThat(event("{\"janus\":\"media\",\"sender\":7,\"type\":\"audio\",\"mid\":\"0\",\"receiving\":false}", Direction.PUBLISH))
                .isEqualTo(new SfuEvent.MediaChanged(Direction.PUBLISH, false));
        assertThat(event("{\"janus\":\"hangup\",\"sender\":7,\"reason\":\"DTLS alert\"}", Direction.SUBSCRIBE))
                .isEqualTo(new SfuEvent.MediaChanged(Direction.SUBSCRIBE, false));
        assertThat(event("{\"janus\":\"slowlink\",\"sender\":7,\"uplink\":true,\"lost\":12}", Direction.PUBLISH))
                .isEqualTo(new SfuEvent.SlowLink(Direction.PUBLISH, true, 12));
        assertThat(event("{\"janus\":\"trickle\",\"sender\":7,\"candidate\":{\"completed\":true}}", Direction.SUBSCRIBE))
                .isEqualTo(new SfuEvent.Candidate(Direction.SUBSCRIBE, null));
        SfuEvent candidate = event("{\"janus\":\"trickle\",\"sender\":7,\"candidate\":{\"sdpMid\":\"0\",\"sdpMLineIndex\":0,"
                + "\"candidate\":\"candidate:1 1 udp 1 10.0.0.2 5000 typ host\"}}", Direction.SUBSCRIBE);
        assertThat(((SfuEvent.Candidate) candidate).candidateJson()).contains("10.0.0.2 5000");
        assertThat(JanusProtocol.endpointEvent(JSON.readTree("{\"janus\":\"detached\",\"sender\":7}"), Direction.PUBLISH)).isEmpty();
    }

    @Test
    void browserCandidatesBecomeJanusTrickles() {
        assertThat(JanusProtocol.trickleCandidate(null).path("completed").asBoolean()).isTrue();
        assertThat(JanusProtocol.trickleCandidate("{\"candidate\":\"\",\"sdpMid\":\"0\"}").path("completed").asBoolean())
                .as("an empty candidate is how browsers say end-of-candidates").isTrue();
        assertThat(JanusProtocol.trickleCandidate(Sdp.candidate("10.1.2.3")).path("sdpMid").asText()).isEqualTo("0");
        assertThatThrownBy(() -> JanusProtocol.trickleCandidate("not json"))
                .isInstanceOfSatisfying(SfuException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REFUSED));
        assertThatThrownBy(() -> JanusProtocol.trickleCandidate("{\"sdpMid\":\"0\"}"))
                .isInstanceOfSatisfying(SfuException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REFUSED));
    }

    @Test
    void theOfferAnswerAndAudioMidAreFoundInTheSdp() throws Exception {
        JsonNode event = JSON.readTree("{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");

        assertThat(JanusProtocol.sdp(event, "offer")).hasValue("v=0");
        assertThat(JanusProtocol.sdp(event, "answer")).isEmpty();
        assertThat(JanusBridge.audioMid(Sdp.opusOffer())).isEqualTo("0");
        assertThat(JanusBridge.audioMid("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\nm=audio 9 UDP 111\r\na=mid:a1\r\n"))
                .isEqualTo("a1");
    }

    private static SfuEvent event(String json, Direction direction) throws Exception {
        return JanusProtocol.endpointEvent(JSON.readTree(json), direction).orElseThrow();
    }

    @Test
    void aSubscriberOfferNamesTheParticipantOfEachSection() throws Exception {
        String sdp = String.join("\r\n", "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=VideoRoom 1", "t=0 0",
                "a=group:BUNDLE 0 1", "a=msid-semantic: WMS *",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=sendonly", "a=msid:{4f1c} {9a2e}", "a=ssrc:11 msid:{4f1c} {9a2e}",
                "a=ssrc:11 cname:janus",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:1", "a=sendonly", "a=msid:janus janus1", "") ;
        JsonNode message = JSON.readTree("{\"janus\":\"event\",\"plugindata\":{\"data\":{\"videoroom\":\"attached\","
                + "\"streams\":[{\"mid\":\"0\",\"feed_id\":\"p_alice\"},{\"mid\":\"1\",\"feed_id\":\"p_bob\"}]}},"
                + "\"jsep\":{\"type\":\"offer\",\"sdp\":" + JSON.writeValueAsString(sdp) + "}}");

        String labelled = JanusProtocol.subscriberOffer(message).orElseThrow();

        assertThat(labelled).contains("a=mid:0\r\na=msid:p_alice p_alice-audio\r\n", "a=mid:1\r\na=msid:p_bob p_bob-audio\r\n",
                "a=ssrc:11 cname:janus\r\n", "a=msid-semantic: WMS *\r\n");
        assertThat(labelled).doesNotContain("{4f1c}", "janus1");
        assertThat(labelled.split("\r\n")).as("three msid lines out, two in").hasSize(sdp.split("\r\n").length - 1);
    }
}
