package io.bifrost.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
    private static final byte[] BODY = """
            {"id":"h_1","event":"participant-joined","room":"demo","createdAt":1795338000000,"participant":{"id":"p_1"}}"""
            .getBytes(StandardCharsets.UTF_8);

    private final TokenIssuer signer = TokenIssuer.hmac(TestTokens.HMAC_KID, TestTokens.SECRET).withClock(TestTokens.CLOCK);
    private final WebhookVerifier verifier = WebhookVerifier.hmac(Map.of(TestTokens.HMAC_KID, TestTokens.SECRET),
            TestTokens.CLOCK);

    @Test
    void aSignedBodyVerifiesAndItsEventIsRead() throws TokenException {
        WebhookEvent event = verifier.verify(signer.signWebhook(BODY), BODY);

        assertEquals("h_1", event.id());
        assertEquals("participant-joined", event.event());
        assertEquals("demo", event.room());
        assertEquals(1795338000000L, event.createdAt().toEpochMilli());
        assertEquals(Map.of("id", "p_1"), event.body().get("participant"));
    }

    @Test
    void aChangedBodyIsRefused() {
        byte[] changed = BODY.clone();
        changed[changed.length - 3] = '2';

        assertReason(TokenException.Reason.BAD_SIGNATURE, () -> verifier.verify(signer.signWebhook(BODY), changed));
    }

    @Test
    void aSignatureByAnotherSecretIsRefused() {
        TokenIssuer forger = TokenIssuer.hmac(TestTokens.HMAC_KID, "another secret of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII))
                .withClock(TestTokens.CLOCK);

        assertReason(TokenException.Reason.BAD_SIGNATURE, () -> verifier.verify(forger.signWebhook(BODY), BODY));
    }

    @Test
    void anOldSignatureIsRefusedAsExpired() {
        String old = signer.withClock(Clock.fixed(TestTokens.NOW.minus(WebhookVerifier.SIGNATURE_TTL).minus(Duration.ofMinutes(1)),
                ZoneOffset.UTC)).signWebhook(BODY);

        assertReason(TokenException.Reason.EXPIRED, () -> verifier.verify(old, BODY));
    }

    @Test
    void aJoinTokenIsNoWebhookSignature() {
        String joinToken = signer.issue(TokenRequest.builder("demo", "alice").build());

        assertReason(TokenException.Reason.WRONG_AUDIENCE, () -> verifier.verify(joinToken, BODY));
    }

    @Test
    void aMissingSignatureIsRefused() {
        assertReason(TokenException.Reason.MISSING, () -> verifier.verify(null, BODY));
    }

    @Test
    void aSignedBodyThatIsNoEventIsRefusedAsMalformed() {
        byte[] array = "[1,2]".getBytes(StandardCharsets.UTF_8);

        assertReason(TokenException.Reason.MALFORMED, () -> verifier.verify(signer.signWebhook(array), array));
    }

    @Test
    void theSignatureCarriesTheBodysSha256() throws Exception {
        String signature = signer.signWebhook(BODY);
        Map<String, Object> claims = com.nimbusds.jwt.SignedJWT.parse(signature).getJWTClaimsSet().getClaims();

        assertArrayEquals(java.security.MessageDigest.getInstance("SHA-256").digest(BODY),
                java.util.Base64.getUrlDecoder().decode((String) claims.get("sha256")));
        assertEquals(TestTokens.HMAC_KID, com.nimbusds.jwt.SignedJWT.parse(signature).getHeader().getKeyID());
    }

    private static void assertReason(TokenException.Reason reason, org.junit.jupiter.api.function.Executable verify) {
        assertEquals(reason, assertThrows(TokenException.class, verify).reason());
    }
}
