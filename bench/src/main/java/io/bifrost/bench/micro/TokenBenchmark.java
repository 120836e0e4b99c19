package io.bifrost.bench.micro;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenException;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** A join token verified before every websocket upgrade, by signing algorithm. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class TokenBenchmark {
    private static final String KEY_ID = "bench";

    @Param({"HS256", "RS256", "ES256"})
    public String algorithm;

    private TokenVerifier verifier;
    private String token;

    @Setup
    public void sign() throws Exception {
        TokenIssuer issuer;
        TokenVerifier.Builder verifierBuilder = TokenVerifier.builder();
        switch (algorithm) {
            case "HS256" -> {
                byte[] secret = "a-benchmark-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);
                issuer = TokenIssuer.hmac(KEY_ID, secret);
                verifierBuilder.hmacKey(KEY_ID, secret);
            }
            case "RS256" -> {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                issuer = TokenIssuer.rsa(KEY_ID, (RSAPrivateKey) pair.getPrivate());
                verifierBuilder.publicKey(KEY_ID, pair.getPublic());
            }
            case "ES256" -> {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                KeyPair pair = generator.generateKeyPair();
                issuer = TokenIssuer.ec(KEY_ID, (ECPrivateKey) pair.getPrivate());
                verifierBuilder.publicKey(KEY_ID, pair.getPublic());
            }
            default -> throw new IllegalArgumentException(algorithm);
        }
        verifier = verifierBuilder.build();
        // Valid for longer than any run: the benchmark measures verification, not expiry.
        token = issuer.issue(TokenRequest.builder("bench-room", "alice").role(Role.SPEAKER).ttl(Duration.ofHours(6)).build());
    }

    @Benchmark
    public JoinClaims verify() throws TokenException {
        return verifier.verify(token);
    }
}
