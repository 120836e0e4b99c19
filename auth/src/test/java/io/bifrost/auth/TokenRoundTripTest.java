package io.bifrost.auth;

import static io.bifrost.auth.TestTokens.CLOCK;
import static io.bifrost.auth.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenRoundTripTest {

    private final TokenVerifier verifier = TestTokens.verifier().build();

    private static TokenRequest hostRequest() {
        return TokenRequest.builder("demo", "alice")
                .name("Alice")
                .role(Role.HOST)
                .metadata("{\"avatar\":\"a.png\"}")
                .ttl(Duration.ofMinutes(30))
                .build();
    }

    @Test
    void hs256TokenVerifiesToTheClaimsItWasIssuedWith() throws TokenException {
        JoinClaims claims = verifier.verify(TestTokens.hmacIssuer().issue(hostRequest()));

        assertThat(claims.identity()).isEqualTo("alice");
        assertThat(claims.name()).isEqualTo("Alice");
        assertThat(claims.room()).isEqualTo("demo");
        assertThat(claims.role()).isEqualTo(Role.HOST);
        assertThat(claims.grants()).isEqualTo(Role.HOST.defaultGrants());
        assertThat(claims.metadata()).isEqualTo("{\"avatar\":\"a.png\"}");
        assertThat(claims.issuedAt()).isEqualTo(NOW);
        assertThat(claims.notBefore()).isNull();
        assertThat(claims.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
        assertThat(claims.keyId()).isEqualTo(TestTokens.HMAC_KID);
        assertThat(claims.roomMode()).as("no roomConfig: the server decides").isNull();
    }

    @Test
    void theRoomModeTravelsInRoomConfig() throws Exception {
        String token = TestTokens.hmacIssuer().issue(TokenRequest.builder("radio", "alice").role(Role.HOST)
                .roomMode(RoomMode.BROADCAST).build());

        assertThat(SignedJWT.parse(token).getPayload().toJSONObject()).containsEntry("roomConfig", Map.of("mode", "broadcast"));
        assertThat(verifier.verify(token).roomMode()).isEqualTo(RoomMode.BROADCAST);
    }

    @Test
    void rs256TokenVerifiesWithTheRsaPublicKey() throws Exception {
        String token = TestTokens.rsaIssuer().issue(hostRequest());

        assertThat(header(token).getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        JoinClaims claims = verifier.verify(token);
        assertThat(claims.identity()).isEqualTo("alice");
        assertThat(claims.role()).isEqualTo(Role.HOST);
        assertThat(claims.keyId()).isEqualTo(TestTokens.RSA_KID);
    }

    @Test
    void es256TokenVerifiesWithTheEcPublicKey() throws Exception {
        String token = TestTokens.ecIssuer().issue(hostRequest());

        assertThat(header(token).getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        JoinClaims claims = verifier.verify(token);
        assertThat(claims.identity()).isEqualTo("alice");
        assertThat(claims.keyId()).isEqualTo(TestTokens.EC_KID);
    }

    @Test
    void issuedTokenFollowsTheWireContract() throws Exception {
        TokenRequest request = TokenRequest.builder("demo", "bob")
                .role(Role.SPEAKER)
                .notBefore(NOW.plusSeconds(60))
                .build();
        SignedJWT jwt = SignedJWT.parse(TestTokens.hmacIssuer().issue(request));

        assertThat(jwt.getHeader().getType().getType()).isEqualTo("JWT");
        assertThat(jwt.getHeader().getKeyID()).isEqualTo("app");
        Map<String, Object> claims = jwt.getPayload().toJSONObject();
        assertThat(claims).containsEntry("iss", "app")
                .containsEntry("sub", "bob")
                .containsEntry("aud", "bifrost")
                .containsEntry("room", "demo")
                .containsEntry("role", "speaker")
                .containsEntry("iat", NOW.getEpochSecond())
                .containsEntry("nbf", NOW.getEpochSecond() + 60)
                .containsEntry("exp", NOW.getEpochSecond() + 3600)
                .doesNotContainKeys("name", "grants", "metadata", "roomConfig");
    }

    @Test
    void tokenWithoutRoleNameOrGrantsIsAListenerNamedByItsIdentity() throws TokenException {
        JoinClaims claims = verifier.verify(TestTokens.hs256(TestTokens.claims()));

        assertThat(claims.role()).isEqualTo(Role.LISTENER);
        assertThat(claims.name()).isEqualTo("alice");
        assertThat(claims.metadata()).isEmpty();
        assertThat(claims.grants()).isEqualTo(new Grants(false, true, true, false, false));
        assertThat(claims.notBefore()).isNull();
    }

    @Test
    void builderDefaultsToAListenerTokenValidForAnHour() throws TokenException {
        TokenRequest request = TokenRequest.builder("demo", "carol").build();

        assertThat(request.role()).isEqualTo(Role.LISTENER);
        assertThat(request.ttl()).isEqualTo(Duration.ofHours(1));
        JoinClaims claims = verifier.verify(TestTokens.hmacIssuer().issue(request));
        assertThat(claims.role()).isEqualTo(Role.LISTENER);
        assertThat(claims.grants()).isEqualTo(Role.LISTENER.defaultGrants());
        assertThat(claims.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    }

    @Test
    void explicitGrantsOverrideTheRoleDefaults() throws TokenException {
        Grants hiddenAdminListener = new Grants(false, true, false, true, true);
        TokenRequest request = TokenRequest.builder("demo", "mod").role(Role.LISTENER).grants(hiddenAdminListener).build();

        JoinClaims claims = verifier.verify(TestTokens.hmacIssuer().issue(request));

        assertThat(claims.role()).isEqualTo(Role.LISTENER);
        assertThat(claims.grants()).isEqualTo(hiddenAdminListener);
    }

    @Test
    void grantsLeftOutOfTheTokenTakeTheRoleDefaults() throws TokenException {
        Map<String, Object> claims = TestTokens.claims();
        claims.put("role", "speaker");
        claims.put("grants", Map.of("canPublish", false, "hidden", true));

        JoinClaims verified = verifier.verify(TestTokens.hs256(claims));

        assertThat(verified.grants()).isEqualTo(new Grants(false, true, true, false, true));
    }

    @Test
    void nullOptionalClaimsCountAsAbsent() throws TokenException {
        Map<String, Object> claims = TestTokens.claims();
        claims.put("name", null);
        claims.put("metadata", null);
        claims.put("role", null);
        claims.put("grants", null);

        JoinClaims verified = verifier.verify(TestTokens.hs256(claims));

        assertThat(verified.name()).isEqualTo("alice");
        assertThat(verified.metadata()).isEmpty();
        assertThat(verified.role()).isEqualTo(Role.LISTENER);
        assertThat(verified.grants()).isEqualTo(Role.LISTENER.defaultGrants());
    }

    @Test
    void keyIsFoundByIssWhenTheTokenHasNoKid() throws TokenException {
        JoinClaims claims = verifier.verify(
                TestTokens.sign(TestTokens.macSigner(TestTokens.SECRET), JWSAlgorithm.HS256, null, TestTokens.claims()));

        assertThat(claims.keyId()).isEqualTo(TestTokens.HMAC_KID);
    }

    @Test
    void audienceMayBeAnArrayContainingTheServersAudience() throws TokenException {
        Map<String, Object> claims = TestTokens.claims();
        claims.put("aud", List.of("analytics", "bifrost"));

        assertThat(verifier.verify(TestTokens.hs256(claims)).identity()).isEqualTo("alice");
    }

    @Test
    void issuerAndVerifierAgreeOnACustomAudience() throws TokenException {
        TokenVerifier staging = TestTokens.verifier().audience("bifrost-staging").build();
        String token = TestTokens.hmacIssuer().withAudience("bifrost-staging").issue(hostRequest());

        assertThat(staging.verify(token).identity()).isEqualTo("alice");
    }

    @Test
    void longHmacSecretAllowsHs384AndHs512() throws Exception {
        byte[] secret = new byte[64];
        Arrays.fill(secret, (byte) 7);
        TokenVerifier verifier = TokenVerifier.builder().hmacKey("long", secret).clock(CLOCK).build();
        Map<String, Object> claims = TestTokens.claims();
        claims.put("iss", "long");

        for (JWSAlgorithm algorithm : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
            String token = TestTokens.sign(new MACSigner(secret), algorithm, "long", claims);
            assertThat(verifier.verify(token).keyId()).as(algorithm.getName()).isEqualTo("long");
        }
    }

    @Test
    void fractionalNumericDatesAreAccepted() throws TokenException {
        Map<String, Object> claims = TestTokens.claims();
        claims.put("exp", NOW.getEpochSecond() + 60.5);

        assertThat(verifier.verify(TestTokens.hs256(claims)).expiresAt()).isEqualTo(NOW.plusMillis(60_500));
    }

    @Test
    void surroundingWhitespaceIsIgnored() throws TokenException {
        String token = TestTokens.hmacIssuer().issue(hostRequest());

        assertThat(verifier.verify("  " + token + "\n").identity()).isEqualTo("alice");
    }

    @Test
    void issuerRefusesAnHmacSecretShorterThan32Bytes() {
        assertThatThrownBy(() -> TokenIssuer.hmac("app", "too-short".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
    }

    @Test
    void issuerRefusesAnEcKeyNotOnP256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        ECPrivateKey p384 = (ECPrivateKey) generator.generateKeyPair().getPrivate();

        assertThatThrownBy(() -> TokenIssuer.ec("ec", p384))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("P-256");
    }

    @Test
    void issuerRefusesANotBeforeAtOrAfterTheExpiry() {
        TokenRequest request = TokenRequest.builder("demo", "alice").ttl(Duration.ofMinutes(5))
                .notBefore(NOW.plus(Duration.ofMinutes(5))).build();

        assertThatThrownBy(() -> TestTokens.hmacIssuer().issue(request))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never be valid");
    }

    @Test
    void requestRefusesBlankRoomOrIdentityAndNonPositiveTtl() {
        assertThatThrownBy(() -> TokenRequest.builder(" ", "alice").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("room");
        assertThatThrownBy(() -> TokenRequest.builder("demo", "").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("identity");
        assertThatThrownBy(() -> TokenRequest.builder("demo", "alice").ttl(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttl");
    }

    @Test
    void verifierBuilderRefusesToBuildWithoutAnyKeySource() {
        assertThatThrownBy(() -> TokenVerifier.builder().build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void verifierBuilderRefusesShortSecretsDuplicateKidsAndUnsupportedKeys() throws Exception {
        assertThatThrownBy(() -> TokenVerifier.builder().hmacKey("a", new byte[31]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenVerifier.builder().hmacKey("a", new byte[32]).publicKey("a", TestTokens.RSA.getPublic()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already configured");
        KeyPairGenerator weak = KeyPairGenerator.getInstance("RSA");
        weak.initialize(1024);
        assertThatThrownBy(() -> TokenVerifier.builder().publicKey("weak", weak.generateKeyPair().getPublic()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2048");
        KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
        dsa.initialize(2048);
        assertThatThrownBy(() -> TokenVerifier.builder().publicKey("dsa", dsa.generateKeyPair().getPublic()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RSA or EC");
    }

    private static com.nimbusds.jose.JWSHeader header(String token) throws java.text.ParseException {
        return SignedJWT.parse(token).getHeader();
    }
}
