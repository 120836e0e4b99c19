package io.bifrost.auth;

import static io.bifrost.auth.TestTokens.CLOCK;
import static io.bifrost.auth.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.bifrost.auth.TokenException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    private final TokenVerifier verifier = TestTokens.verifier().build();

    private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(String token, Reason reason) {
        return assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static Map<String, Object> claimsWithout(String claim) {
        Map<String, Object> claims = TestTokens.claims();
        claims.remove(claim);
        return claims;
    }

    private static Map<String, Object> claimsWith(String claim, Object value) {
        Map<String, Object> claims = TestTokens.claims();
        claims.put(claim, value);
        return claims;
    }

    // --- missing and malformed ---

    @Test
    void rejectsNullEmptyAndBlankTokensAsMissing() {
        assertRefused(null, Reason.MISSING);
        assertRefused("", Reason.MISSING);
        assertRefused(" \t\n", Reason.MISSING);
    }

    @Test
    void rejectsTextThatIsNotACompactJwsAsMalformed() {
        assertRefused("not-a-jwt", Reason.MALFORMED).hasMessageContaining("3 parts");
        assertRefused("a.b", Reason.MALFORMED);
        assertRefused("a.b.c.d", Reason.MALFORMED);
        assertRefused("e30.e30.e30 x", Reason.MALFORMED).hasMessageContaining("base64url");
        assertRefused("eyJhbGciOiJIUzI1NiJ9.e30=.c2ln", Reason.MALFORMED);
    }

    @Test
    void rejectsAHeaderThatIsNotJsonAsMalformed() {
        String token = TestTokens.base64Url("{not json") + "." + TestTokens.base64Url("{}") + ".c2ln";

        assertRefused(token, Reason.MALFORMED).hasMessageContaining("header");
    }

    @Test
    void rejectsAPayloadThatIsNotAJsonObjectAsMalformed() {
        String token = TestTokens.rawHs256("{\"alg\":\"HS256\",\"kid\":\"app\"}", "[1,2,3]", TestTokens.SECRET);

        assertRefused(token, Reason.MALFORMED).hasMessageContaining("payload");
    }

    @Test
    void rejectsAnEncryptedJwtAsMalformed() throws Exception {
        byte[] key = new byte[32];
        JWEObject jwe = new JWEObject(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM),
                new Payload(TestTokens.json(TestTokens.claims())));
        jwe.encrypt(new DirectEncrypter(key));

        assertRefused(jwe.serialize(), Reason.MALFORMED).hasMessageContaining("JWE");
    }

    @Test
    void rejectsAnOversizedTokenAsMalformedBeforeDecodingIt() {
        String token = "a".repeat(TokenVerifier.MAX_TOKEN_CHARS) + ".b.c";

        assertRefused(token, Reason.MALFORMED).hasMessageContaining("limit");
    }

    @Test
    void rejectsCriticalHeaderParametersAsMalformed() {
        String token = TestTokens.rawHs256("{\"alg\":\"HS256\",\"kid\":\"app\",\"crit\":[\"exp\"],\"exp\":1}",
                TestTokens.json(TestTokens.claims()), TestTokens.SECRET);

        assertRefused(token, Reason.MALFORMED).hasMessageContaining("crit");
    }

    // --- algorithm and key ---

    @Test
    void rejectsAlgNoneAsAlgorithmNotAllowed() throws Exception {
        String unsigned = new PlainJWT(JWTClaimsSet.parse(TestTokens.claims())).serialize();

        assertRefused(unsigned, Reason.ALGORITHM_NOT_ALLOWED).hasMessageContaining("alg none");
    }

    @Test
    void rejectsAlgNoneWithASignaturePartAsAlgorithmNotAllowed() {
        String token = TestTokens.rawHs256("{\"alg\":\"none\",\"kid\":\"app\"}",
                TestTokens.json(TestTokens.claims()), TestTokens.SECRET);

        assertRefused(token, Reason.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void rejectsHs256SignedWithTheRsaPublicKeyAsAlgorithmNotAllowed() {
        // The classic confusion attack: the RSA public key is public, so an attacker can use its
        // bytes as an HMAC secret and hope the verifier does the same.
        Map<String, Object> claims = claimsWith("iss", TestTokens.RSA_KID);
        claims.put("role", "host");
        byte[] publicKeyDer = TestTokens.RSA.getPublic().getEncoded();
        byte[] publicKeyPem = ("-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(publicKeyDer)
                + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);

        for (byte[] secret : List.of(publicKeyDer, publicKeyPem)) {
            String forged = TestTokens.sign(TestTokens.macSigner(secret), JWSAlgorithm.HS256, TestTokens.RSA_KID, claims);
            assertRefused(forged, Reason.ALGORITHM_NOT_ALLOWED)
                    .hasMessageContaining("HS256")
                    .hasMessageContaining("RS256");
        }
    }

    @Test
    void rejectsAKidPointingAtAKeyOfAnotherTypeAsAlgorithmNotAllowed() {
        Map<String, Object> claims = claimsWithout("iss");

        assertRefused(TestTokens.rs256(TestTokens.EC_KID, claims), Reason.ALGORITHM_NOT_ALLOWED);
        assertRefused(TestTokens.es256(TestTokens.RSA_KID, claims), Reason.ALGORITHM_NOT_ALLOWED);
        assertRefused(TestTokens.es256(TestTokens.HMAC_KID, claims), Reason.ALGORITHM_NOT_ALLOWED);
        assertRefused(TestTokens.rs256(TestTokens.HMAC_KID, claims), Reason.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void rejectsAnHmacAlgorithmLongerThanTheSecretAsAlgorithmNotAllowed() {
        byte[] longSecret = Arrays.copyOf(TestTokens.SECRET, 64);
        String token = TestTokens.sign(TestTokens.macSigner(longSecret), JWSAlgorithm.HS512, TestTokens.HMAC_KID,
                TestTokens.claims());

        assertRefused(token, Reason.ALGORITHM_NOT_ALLOWED).hasMessageContaining("allowed: HS256");
    }

    @Test
    void rejectsAnUnknownAlgorithmNameAsAlgorithmNotAllowed() {
        String token = TestTokens.rawHs256("{\"alg\":\"HS257\",\"kid\":\"app\"}",
                TestTokens.json(TestTokens.claims()), TestTokens.SECRET);

        assertRefused(token, Reason.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void rejectsAnUnknownKidAsUnknownKey() {
        Map<String, Object> claims = claimsWith("iss", "someone-else");
        String token = TestTokens.sign(TestTokens.macSigner(TestTokens.SECRET), JWSAlgorithm.HS256, "someone-else", claims);

        assertRefused(token, Reason.UNKNOWN_KEY).hasMessageContaining("'someone-else'");
    }

    @Test
    void rejectsATokenNamingNoKeyAsUnknownKey() {
        String token = TestTokens.sign(TestTokens.macSigner(TestTokens.SECRET), JWSAlgorithm.HS256, null,
                claimsWithout("iss"));

        assertRefused(token, Reason.UNKNOWN_KEY).hasMessageContaining("neither a kid");
    }

    @Test
    void rejectsAKidThatDiffersFromIssAsInvalidClaims() {
        String token = TestTokens.rs256(TestTokens.RSA_KID, claimsWith("iss", TestTokens.HMAC_KID));

        assertRefused(token, Reason.INVALID_CLAIMS).hasMessageContaining("kid").hasMessageContaining("iss");
    }

    // --- signature ---

    @Test
    void rejectsATamperedPayloadAsBadSignature() {
        String token = TestTokens.hs256(TestTokens.claims());
        String[] parts = token.split("\\.");
        String promoted = TestTokens.base64Url(TestTokens.json(claimsWith("role", "host")));

        assertRefused(parts[0] + "." + promoted + "." + parts[2], Reason.BAD_SIGNATURE);
    }

    @Test
    void rejectsATokenSignedWithAnotherSecretAsBadSignature() {
        byte[] otherSecret = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
        String token = TestTokens.sign(TestTokens.macSigner(otherSecret), JWSAlgorithm.HS256, TestTokens.HMAC_KID,
                TestTokens.claims());

        assertRefused(token, Reason.BAD_SIGNATURE);
    }

    @Test
    void rejectsAnRsaTokenSignedByAnotherKeyAsBadSignature() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String token = TestTokens.sign(new RSASSASigner(generator.generateKeyPair().getPrivate()), JWSAlgorithm.RS256,
                TestTokens.RSA_KID, claimsWithout("iss"));

        assertRefused(token, Reason.BAD_SIGNATURE);
    }

    @Test
    void rejectsAnEmptyOrTruncatedSignatureAsBadSignature() {
        String token = TestTokens.hs256(TestTokens.claims());

        assertRefused(token.substring(0, token.lastIndexOf('.') + 1), Reason.BAD_SIGNATURE);
        assertRefused(token.substring(0, token.length() - 4), Reason.BAD_SIGNATURE);
    }

    @Test
    void checksTheSignatureBeforeTheClaims() {
        // An expired token with a bad signature says nothing about its expiry.
        byte[] otherSecret = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
        String token = TestTokens.sign(TestTokens.macSigner(otherSecret), JWSAlgorithm.HS256, TestTokens.HMAC_KID,
                claimsWith("exp", NOW.getEpochSecond() - 3600));

        assertRefused(token, Reason.BAD_SIGNATURE);
    }

    // --- times ---

    @Test
    void rejectsAnExpiredTokenAsExpiredNamingTheExpiry() {
        String token = TestTokens.hs256(claimsWith("exp", NOW.getEpochSecond() - 60));

        assertRefused(token, Reason.EXPIRED).hasMessage("token expired at 2026-11-22T08:59:00Z");
    }

    @Test
    void rejectsATokenIssuedByAnIssuerWhoseTtlHasRunOut() {
        TokenIssuer issuedTwoHoursAgo = TestTokens.hmacIssuer()
                .withClock(Clock.fixed(NOW.minus(Duration.ofHours(2)), ZoneOffset.UTC));

        assertRefused(issuedTwoHoursAgo.issue(TokenRequest.builder("demo", "alice").build()), Reason.EXPIRED);
    }

    @Test
    void rejectsATokenNotValidYetAsNotYetValid() {
        String token = TestTokens.hs256(claimsWith("nbf", NOW.getEpochSecond() + 60));

        assertRefused(token, Reason.NOT_YET_VALID).hasMessage("token is not valid before 2026-11-22T09:01:00Z");
    }

    @Test
    void toleratesClockSkewOnExpiryAndNotBefore() throws TokenException {
        Map<String, Object> claims = TestTokens.claims();
        claims.put("exp", NOW.getEpochSecond() - 9);
        claims.put("nbf", NOW.getEpochSecond() + 9);

        assertThat(verifier.verify(TestTokens.hs256(claims)).identity()).isEqualTo("alice");
    }

    @Test
    void refusesBeyondTheConfiguredSkew() throws TokenException {
        TokenVerifier strict = TestTokens.verifier().clockSkew(Duration.ZERO).build();
        TokenVerifier lenient = TestTokens.verifier().clockSkew(Duration.ofMinutes(2)).build();
        String expiredAMinuteAgo = TestTokens.hs256(claimsWith("exp", NOW.getEpochSecond() - 60));
        String expiresNow = TestTokens.hs256(claimsWith("exp", NOW.getEpochSecond()));

        assertThat(lenient.verify(expiredAMinuteAgo).identity()).isEqualTo("alice");
        assertThatThrownBy(() -> strict.verify(expiresNow))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED));
        assertRefused(TestTokens.hs256(claimsWith("exp", NOW.getEpochSecond() - 10)), Reason.EXPIRED);
    }

    // --- audience ---

    @Test
    void rejectsAnotherAudienceAsWrongAudience() {
        String token = TestTokens.hmacIssuer().withAudience("other-service")
                .issue(TokenRequest.builder("demo", "alice").build());

        assertRefused(token, Reason.WRONG_AUDIENCE).hasMessageContaining("'other-service'");
    }

    @Test
    void rejectsAnAudienceArrayWithoutTheServersAudienceAsWrongAudience() {
        assertRefused(TestTokens.hs256(claimsWith("aud", List.of("a", "b"))), Reason.WRONG_AUDIENCE);
    }

    @Test
    void rejectsATokenWithoutAudienceAsWrongAudience() {
        assertRefused(TestTokens.hs256(claimsWithout("aud")), Reason.WRONG_AUDIENCE);
    }

    // --- claims ---

    @Test
    void rejectsMissingRequiredClaimsAsInvalidClaims() {
        assertRefused(TestTokens.hs256(claimsWithout("sub")), Reason.INVALID_CLAIMS).hasMessageContaining("sub");
        assertRefused(TestTokens.hs256(claimsWithout("room")), Reason.INVALID_CLAIMS).hasMessageContaining("room");
        assertRefused(TestTokens.hs256(claimsWithout("exp")), Reason.INVALID_CLAIMS).hasMessageContaining("exp");
        assertRefused(TestTokens.hs256(claimsWith("room", "  ")), Reason.INVALID_CLAIMS).hasMessageContaining("room");
    }

    @Test
    void acceptsATokenWithoutIssuedAtAsPlainJwtLibrariesMintThem() throws TokenException {
        assertThat(verifier.verify(TestTokens.hs256(claimsWithout("iat"))).issuedAt()).isNull();
    }

    @Test
    void rejectsAnUnknownRoleAsInvalidClaims() {
        assertRefused(TestTokens.hs256(claimsWith("role", "admin")), Reason.INVALID_CLAIMS)
                .hasMessageContaining("'admin'")
                .hasMessageContaining("host, speaker, listener");
        assertRefused(TestTokens.hs256(claimsWith("role", "HOST")), Reason.INVALID_CLAIMS);
    }

    @Test
    void rejectsNonBooleanGrantsAsInvalidClaims() {
        assertRefused(TestTokens.hs256(claimsWith("grants", Map.of("canPublish", "true"))), Reason.INVALID_CLAIMS)
                .hasMessageContaining("grants.canPublish");
        assertRefused(TestTokens.hs256(claimsWith("grants", Map.of("roomAdmin", 1))), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("grants", List.of(true))), Reason.INVALID_CLAIMS);
    }

    @Test
    void rejectsClaimsOfTheWrongTypeAsInvalidClaims() {
        assertRefused(TestTokens.hs256(claimsWith("sub", 42)), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("room", List.of("demo"))), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("name", true)), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("metadata", Map.of("a", 1))), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("roomConfig", "broadcast")), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("roomConfig", Map.of("mode", "radio"))), Reason.INVALID_CLAIMS)
                .hasMessageContaining("roomConfig.mode").hasMessageContaining("mesh or broadcast");
        assertRefused(TestTokens.hs256(claimsWith("exp", "tomorrow")), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("exp", 1e300)), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("aud", 7)), Reason.INVALID_CLAIMS);
        assertRefused(TestTokens.hs256(claimsWith("iss", 7)), Reason.INVALID_CLAIMS);
    }

    // --- messages ---

    @Test
    void reasonCodesMatchTheProtocolTable() {
        assertThat(Arrays.stream(Reason.values()).map(Reason::code))
                .containsExactly("missing-token", "malformed", "alg-not-allowed", "unknown-key", "bad-signature",
                        "expired", "not-yet-valid", "wrong-audience", "invalid-claims", "key-source-unavailable");
    }

    @Test
    void noRefusalMessageContainsTheTokenOrTheSecret() throws Exception {
        byte[] otherSecret = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
        String valid = TestTokens.hs256(TestTokens.claims());
        List<String> refused = new ArrayList<>(List.of(
                "not-a-jwt",
                valid.substring(0, valid.lastIndexOf('.')),
                valid + ".x.y",
                new PlainJWT(JWTClaimsSet.parse(TestTokens.claims())).serialize(),
                TestTokens.sign(TestTokens.macSigner(TestTokens.RSA.getPublic().getEncoded()), JWSAlgorithm.HS256,
                        TestTokens.RSA_KID, claimsWithout("iss")),
                TestTokens.sign(new MACSigner(otherSecret), JWSAlgorithm.HS256, "nope", claimsWithout("iss")),
                TestTokens.sign(new MACSigner(otherSecret), JWSAlgorithm.HS256, TestTokens.HMAC_KID, TestTokens.claims()),
                TestTokens.hs256(claimsWith("exp", NOW.getEpochSecond() - 60)),
                TestTokens.hs256(claimsWith("nbf", NOW.getEpochSecond() + 60)),
                TestTokens.hs256(claimsWith("aud", "x")),
                TestTokens.hs256(claimsWith("role", valid)),
                TestTokens.hs256(claimsWith("iss", valid))));
        String[] validParts = valid.split("\\.");
        String secretBase64 = Base64.getUrlEncoder().withoutPadding().encodeToString(TestTokens.SECRET);

        for (String token : refused) {
            TokenException e = catchTokenException(token);
            assertThat(e.getMessage()).as(e.reason().code())
                    .isNotBlank()
                    .doesNotContain(token)
                    .doesNotContain(validParts[2])
                    .doesNotContain(new String(TestTokens.SECRET, StandardCharsets.US_ASCII))
                    .doesNotContain(secretBase64);
            assertThat(e.toString()).doesNotContain(token);
        }
    }

    @Test
    void valuesQuotedFromATokenAreCutShortAndStrippedOfControlCharacters() {
        String kid = "evil\r\nX-Injected: yes" + "k".repeat(200);
        String token = TestTokens.sign(TestTokens.macSigner(TestTokens.SECRET), JWSAlgorithm.HS256, kid,
                claimsWithout("iss"));

        TokenException e = catchTokenException(token);

        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY);
        assertThat(e.getMessage()).doesNotContain("\r", "\n").hasSizeLessThan(120).contains("...");
    }

    private TokenException catchTokenException(String token) {
        try {
            verifier.verify(token);
        } catch (TokenException e) {
            return e;
        }
        throw new AssertionError("token was accepted");
    }

    @Test
    void verifierUsesItsOwnClockNotTheIssuers() throws TokenException {
        String token = TestTokens.hs256(TestTokens.claims());
        TokenVerifier later = TestTokens.verifier().clock(Clock.offset(CLOCK, Duration.ofHours(2))).build();

        assertThat(verifier.verify(token).identity()).isEqualTo("alice");
        assertThatThrownBy(() -> later.verify(token)).isInstanceOf(TokenException.class);
    }
}
