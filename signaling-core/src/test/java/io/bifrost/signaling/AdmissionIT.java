package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.RawHttp;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad tokens are answered before any websocket exists, with a status and a reason. */
@Timeout(60)
class AdmissionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("rooms.maxParticipants", "2"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String valid(String room) {
        return node.token(room, "alice", Role.SPEAKER);
    }

    @Test
    void aValidTokenIsUpgraded() throws Exception {
        try (WsClient client = WsClient.connect(node.rtc(valid("adm-ok")))) {
            client.awaitJoined();
        }
    }

    @Test
    void aMissingTokenIs401() throws Exception {
        assertRefused("/rtc", 401, "unauthorized", "missing-token");
    }

    @Test
    void aForgedTokenIs401BadSignature() throws Exception {
        String forged = TokenIssuer.hmac(TestNode.KEY_ID, "another-secret-of-the-same-length-as-ours".getBytes(StandardCharsets.UTF_8))
                .issue(TokenRequest.builder("adm", "mallory").role(Role.HOST).build());
        assertRefused(query(forged), 401, "unauthorized", "bad-signature");
    }

    @Test
    void aTamperedPayloadIs401BadSignature() throws Exception {
        String[] parts = valid("adm").split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"speaker\"", "\"host\"");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertRefused(query(tampered), 401, "unauthorized", "bad-signature");
    }

    @Test
    void anExpiredTokenIs401Expired() throws Exception {
        TokenIssuer lastWeek = node.issuer().withClock(Clock.fixed(Instant.now().minus(Duration.ofDays(7)), ZoneOffset.UTC));
        String expired = lastWeek.issue(TokenRequest.builder("adm", "alice").ttl(Duration.ofHours(1)).build());
        JsonNode body = assertRefused(query(expired), 401, "unauthorized", "expired");
        assertThat(body.path("message").asText()).contains("expired");
    }

    @Test
    void aTokenNotValidYetIs401NotYetValid() throws Exception {
        String later = node.issuer().issue(TokenRequest.builder("adm", "alice")
                .notBefore(Instant.now().plus(Duration.ofHours(1))).ttl(Duration.ofHours(2)).build());
        assertRefused(query(later), 401, "unauthorized", "not-yet-valid");
    }

    @Test
    void anUnsignedAlgNoneTokenIs401AlgNotAllowed() throws Exception {
        String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + TestNode.KEY_ID + "\"}");
        long exp = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
        String payload = b64("{\"sub\":\"mallory\",\"room\":\"adm\",\"role\":\"host\",\"aud\":\"bifrost\",\"iss\":\""
                + TestNode.KEY_ID + "\",\"exp\":" + exp + "}");
        assertRefused(query(header + "." + payload + "."), 401, "unauthorized", "alg-not-allowed");
    }

    @Test
    void aTokenSignedWithAnUnknownKeyIs401UnknownKey() throws Exception {
        String token = TokenIssuer.hmac("someone-elses-key", "a-secret-this-node-has-never-heard-of!!".getBytes(StandardCharsets.UTF_8))
                .issue(TokenRequest.builder("adm", "alice").build());
        assertRefused(query(token), 401, "unauthorized", "unknown-key");
    }

    @Test
    void aTokenForAnotherAudienceIs401WrongAudience() throws Exception {
        String token = node.issuer().withAudience("some-other-service").issue(TokenRequest.builder("adm", "alice").build());
        assertRefused(query(token), 401, "unauthorized", "wrong-audience");
    }

    @Test
    void roomNamesAndIdentitiesAreBoundedAndPrintable() throws Exception {
        assertRefused(query(node.token("r".repeat(129), "alice", Role.SPEAKER)), 401, "unauthorized", "invalid-claims");
        assertRefused(query(node.token("adm", "alice\nINFO forged log line", Role.SPEAKER)), 401, "unauthorized", "invalid-claims");
    }

    @Test
    void garbageIs401Malformed() throws Exception {
        assertRefused("/rtc?access_token=not-a-jwt", 401, "unauthorized", "malformed");
    }

    @Test
    void aTokenForRoomAAskingForRoomBIs403WrongRoom() throws Exception {
        assertRefused(query(valid("room-a")) + "&room=room-b", 403, "forbidden", "wrong-room");
    }

    @Test
    void aFullRoomIs403RoomFull() throws Exception {
        try (WsClient a = node.join("adm-full", "a");
             WsClient b = node.join("adm-full", "b")) {
            assertRefused(query(node.token("adm-full", "c", Role.LISTENER)), 403, "room-full", "room-full");
        }
    }

    @Test
    void validateAnswersWhatTheUpgradeWouldHaveAnswered() throws Exception {
        HttpResponse<String> ok = node.get("/rtc/validate?access_token=" + valid("adm-validate"));
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(ok.body());
        assertThat(body.path("ok").asBoolean()).isTrue();
        assertThat(body.path("room").asText()).isEqualTo("adm-validate");
        assertThat(body.path("identity").asText()).isEqualTo("alice");

        HttpResponse<String> refused = node.get("/rtc/validate?access_token=not-a-jwt");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(refused.body()).path("reason").asText()).isEqualTo("malformed");
        HttpResponse<String> wrongRoom = node.get("/rtc/validate?room=b&access_token=" + valid("a"));
        assertThat(wrongRoom.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(wrongRoom.body()).path("reason").asText()).isEqualTo("wrong-room");
    }

    @Test
    void anAdmittedBrowserOfferingCompressionGetsPlainFrames() throws Exception {
        RawHttp.Reply reply = RawHttp.upgrade(node.port(), query(valid("adm-deflate")),
                Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"));

        assertThat(reply.status()).as("answer: %s", reply).isEqualTo(101);
        assertThat(reply.headers().toLowerCase()).doesNotContain("sec-websocket-extensions");
    }

    @Test
    void refusalsNeverEchoTheToken() throws Exception {
        String forged = valid("adm").substring(0, 60) + "x.y.z";
        RawHttp.Reply reply = RawHttp.upgrade(node.port(), query(forged), Map.of());
        assertThat(reply.body()).doesNotContain(forged.substring(0, 40));
    }

    private static JsonNode assertRefused(String pathAndQuery, int status, String code, String reason) throws Exception {
        RawHttp.Reply reply = RawHttp.upgrade(node.port(), pathAndQuery, Map.of());
        assertThat(reply.status()).as("status, answer: %s", reply).isEqualTo(status);
        assertThat(reply.headers()).doesNotContain("Upgrade: websocket");
        JsonNode body = JSON.readTree(reply.body());
        assertThat(body.path("code").asText()).isEqualTo(code);
        assertThat(body.path("reason").asText()).isEqualTo(reason);
        assertThat(body.path("message").asText()).isNotBlank();
        return body;
    }

    private static String query(String token) {
        return "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
