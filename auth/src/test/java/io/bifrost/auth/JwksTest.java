package io.bifrost.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.Curve;
import com.sun.net.httpserver.HttpServer;
import io.bifrost.auth.TokenException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A JWKS served from a local HTTP server on 127.0.0.1, on a free port; no other network. */
class JwksTest {

    private static final Duration CACHE_TTL = Duration.ofMinutes(5);

    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;

    private URI serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/.well-known/jwks.json", exchange -> {
            requests.incrementAndGet();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static String publicJwks() {
        RSAKey rsa = new RSAKey.Builder((RSAPublicKey) TestTokens.RSA.getPublic())
                .keyID("rsa-jwks").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).build();
        ECKey ec = new ECKey.Builder(Curve.P_256, (ECPublicKey) TestTokens.EC.getPublic()).keyID("ec-jwks").build();
        return new JWKSet(List.of(rsa, ec)).toString();
    }

    private static TokenVerifier jwksVerifier(URI url) {
        return TokenVerifier.builder().jwksUrl(url, CACHE_TTL).clock(TestTokens.CLOCK).build();
    }

    private static Map<String, Object> claims(String kid) {
        Map<String, Object> claims = TestTokens.claims();
        claims.put("iss", kid);
        return claims;
    }

    @Test
    void verifiesAnRs256TokenWithAKeyFromTheJwks() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, publicJwks()));

        JoinClaims claims = verifier.verify(TestTokens.rs256("rsa-jwks", claims("rsa-jwks")));

        assertThat(claims.identity()).isEqualTo("alice");
        assertThat(claims.keyId()).isEqualTo("rsa-jwks");
    }

    @Test
    void verifiesAnEs256TokenWithAKeyFromTheJwks() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, publicJwks()));

        assertThat(verifier.verify(TestTokens.es256("ec-jwks", claims("ec-jwks"))).keyId()).isEqualTo("ec-jwks");
    }

    @Test
    void fetchesTheJwksOnceAndServesLaterTokensFromTheCache() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, publicJwks()));
        String token = TestTokens.rs256("rsa-jwks", claims("rsa-jwks"));

        for (int i = 0; i < 5; i++) {
            verifier.verify(token);
        }
        verifier.verify(TestTokens.es256("ec-jwks", claims("ec-jwks")));

        assertThat(requests).hasValue(1);
    }

    @Test
    void noRequestIsMadeBeforeTheFirstToken() throws Exception {
        jwksVerifier(serve(200, publicJwks()));

        assertThat(requests).hasValue(0);
    }

    @Test
    void rejectsAKidMissingFromTheJwksAsUnknownKeyAfterOneRefresh() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, publicJwks()));
        verifier.verify(TestTokens.rs256("rsa-jwks", claims("rsa-jwks")));

        assertThatThrownBy(() -> verifier.verify(TestTokens.rs256("rotated-away", claims("rotated-away"))))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY));
        assertThat(requests).hasValue(2);
    }

    @Test
    void rejectsAnAlgorithmOtherThanTheOneTheJwkDeclaresAsAlgorithmNotAllowed() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, publicJwks()));
        String ps256 = TestTokens.sign(new RSASSASigner(TestTokens.RSA.getPrivate()), JWSAlgorithm.PS256, "rsa-jwks",
                claims("rsa-jwks"));

        assertThatThrownBy(() -> verifier.verify(ps256))
                .isInstanceOfSatisfying(TokenException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED));
    }

    @Test
    void rejectsHs256SignedWithTheJwksRsaKeyAsAlgorithmNotAllowed() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, publicJwks()));
        String forged = TestTokens.sign(TestTokens.macSigner(TestTokens.RSA.getPublic().getEncoded()),
                JWSAlgorithm.HS256, "rsa-jwks", claims("rsa-jwks"));

        assertThatThrownBy(() -> verifier.verify(forged))
                .isInstanceOfSatisfying(TokenException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED));
    }

    @Test
    void aJwksServerAnswering500GivesKeySourceUnavailable() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(500, "{\"error\":\"boom\"}"));
        String token = TestTokens.rs256("rsa-jwks", claims("rsa-jwks"));

        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(TokenException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.KEY_SOURCE_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("retry later").doesNotContain("127.0.0.1");
                    assertThat(e.getCause()).isNotNull();
                });
        assertThat(requests).hasValue(1);
    }

    @Test
    void aJwksServerAnsweringSomethingOtherThanAJwksGivesKeySourceUnavailable() throws Exception {
        TokenVerifier verifier = jwksVerifier(serve(200, "<html>login</html>"));

        assertThatThrownBy(() -> verifier.verify(TestTokens.rs256("rsa-jwks", claims("rsa-jwks"))))
                .isInstanceOfSatisfying(TokenException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.KEY_SOURCE_UNAVAILABLE));
    }

    @Test
    void aJwksServerThatAcceptsButNeverAnswersGivesKeySourceUnavailableWithinTheReadTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            // Accepts the connection (so the connect timeout does not apply) and never writes a byte.
            Thread accepter = new Thread(() -> {
                try (Socket held = silent.accept()) {
                    held.getInputStream().read();
                } catch (IOException closed) {
                    // the verifier gave up and closed its end, or the test closed the server
                }
            });
            accepter.start();
            TokenVerifier verifier = jwksVerifier(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/jwks.json"));
            long started = System.nanoTime();

            assertThatThrownBy(() -> verifier.verify(TestTokens.rs256("rsa-jwks", claims("rsa-jwks"))))
                    .isInstanceOfSatisfying(TokenException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.KEY_SOURCE_UNAVAILABLE));
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("a join waits at most one fetch for a JWKS host that hangs")
                    .isLessThan(Duration.ofMillis(JwksKeys.REFRESH_WAIT_MILLIS));
            accepter.interrupt();
        }
    }

    @Test
    void aJwksLargerThanTheSizeLimitGivesKeySourceUnavailable() throws Exception {
        String padded = publicJwks().replace("{\"keys\"", "{\"padding\":\"" + "x".repeat(JwksKeys.SIZE_LIMIT_BYTES) + "\",\"keys\"");
        TokenVerifier verifier = jwksVerifier(serve(200, padded));

        assertThatThrownBy(() -> verifier.verify(TestTokens.rs256("rsa-jwks", claims("rsa-jwks"))))
                .isInstanceOfSatisfying(TokenException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.KEY_SOURCE_UNAVAILABLE));
    }

    @Test
    void configuredKeysAreUsedWithoutAskingTheJwks() throws Exception {
        URI url = serve(200, publicJwks());
        TokenVerifier verifier = TokenVerifier.builder()
                .hmacKey(TestTokens.HMAC_KID, TestTokens.SECRET)
                .jwksUrl(url, CACHE_TTL)
                .clock(TestTokens.CLOCK)
                .build();

        assertThat(verifier.verify(TestTokens.hs256(TestTokens.claims())).keyId()).isEqualTo(TestTokens.HMAC_KID);
        assertThat(requests).hasValue(0);
    }

    @Test
    void builderRefusesNonHttpUrlsAndCacheTtlsBelowAMinute() {
        assertThatThrownBy(() -> TokenVerifier.builder().jwksUrl(URI.create("file:///etc/jwks.json"), CACHE_TTL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http");
        assertThatThrownBy(() -> TokenVerifier.builder()
                .jwksUrl(URI.create("https://example.org/jwks.json"), Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TTL");
    }
}
