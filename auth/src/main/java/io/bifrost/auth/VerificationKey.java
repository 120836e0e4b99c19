package io.bifrost.auth;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A key the verifier trusts, paired with the algorithms its type allows and a ready verifier.
 *
 * <p>Binding the algorithms to the key, not to the token, is what stops algorithm confusion: an
 * HS256 token cannot be checked against an RSA key (whose public bytes an attacker knows), because
 * an RSA key allows only RS and PS algorithms. Built once per key and shared by all threads; Nimbus'
 * verifiers are thread-safe.
 *
 * @param kind       what the key is, for messages: "HMAC, 32 bytes", "RSA, 2048 bits", "EC P-256"
 * @param algorithms the algorithms a token may use with this key, in a stable order for messages;
 *                   empty when the key is unusable (then {@code verifier} is null)
 * @param verifier   checks signatures with this key
 */
record VerificationKey(String kind, List<JWSAlgorithm> algorithms, JWSVerifier verifier) {

    /** Smaller RSA keys are factorable with public effort; NIST SP 800-131A disallows them since 2014. */
    static final int MIN_RSA_BITS = 2048;

    private static final List<JWSAlgorithm> RSA_ALGORITHMS = List.of(
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

    VerificationKey {
        algorithms = List.copyOf(algorithms);
    }

    boolean allows(JWSAlgorithm algorithm) {
        return algorithms.contains(algorithm);
    }

    String allowedText() {
        return algorithms.isEmpty() ? "none"
                : algorithms.stream().map(Algorithm::getName).collect(Collectors.joining(", "));
    }

    /**
     * An HMAC key. Each HS algorithm needs a secret at least as long as its hash (RFC 7518,
     * section 3.2), so a 32-byte secret allows HS256 only and a 64-byte one all three.
     */
    static VerificationKey hmac(byte[] secret) {
        List<JWSAlgorithm> algorithms = new ArrayList<>(3);
        algorithms.add(JWSAlgorithm.HS256);
        if (secret.length >= 48) {
            algorithms.add(JWSAlgorithm.HS384);
        }
        if (secret.length >= 64) {
            algorithms.add(JWSAlgorithm.HS512);
        }
        try {
            return new VerificationKey("HMAC, " + secret.length + " bytes", algorithms, new MACVerifier(secret));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable HMAC secret", e);
        }
    }

    /** An RSA or EC public key given in configuration; refuses keys Bifrost would never accept. */
    static VerificationKey publicKey(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            VerificationKey rsa = rsa((RSAPublicKey) key);
            if (rsa.algorithms.isEmpty()) {
                throw new IllegalArgumentException("RSA key has " + ((RSAPublicKey) key).getModulus().bitLength()
                        + " bits; at least " + MIN_RSA_BITS + " are required");
            }
            return rsa;
        }
        if (key instanceof ECPublicKey) {
            VerificationKey ec = ec((ECPublicKey) key);
            if (ec.algorithms.isEmpty()) {
                throw new IllegalArgumentException("EC key is not usable (" + ec.kind + "); Bifrost accepts keys on"
                        + " P-256, P-384 or P-521 whose point lies on the curve");
            }
            return ec;
        }
        throw new IllegalArgumentException("public key must be RSA or EC, was " + key.getAlgorithm());
    }

    /**
     * A key from a JWKS. A key that cannot be used (a short RSA key, an unsupported curve, an
     * {@code alg} other than the token's) allows no algorithm, so the token is refused as
     * {@link TokenException.Reason#ALGORITHM_NOT_ALLOWED} with the reason in the message.
     */
    static VerificationKey fromJwk(JWK jwk) throws JOSEException {
        VerificationKey key;
        if (jwk instanceof RSAKey) {
            key = rsa(((RSAKey) jwk).toRSAPublicKey());
        } else if (jwk instanceof ECKey) {
            key = ec(((ECKey) jwk).toECPublicKey());
        } else {
            return new VerificationKey(jwk.getKeyType().getValue(), List.of(), null);
        }
        Algorithm declared = jwk.getAlgorithm();
        if (declared == null) {
            return key;
        }
        // A JWK that declares its "alg" may be used with that algorithm only (RFC 7517, section 4.4).
        List<JWSAlgorithm> narrowed = new ArrayList<>(1);
        for (JWSAlgorithm algorithm : key.algorithms) {
            if (algorithm.getName().equals(declared.getName())) {
                narrowed.add(algorithm);
            }
        }
        return new VerificationKey(key.kind + ", declared for " + declared.getName(), narrowed,
                narrowed.isEmpty() ? null : key.verifier);
    }

    private static VerificationKey rsa(RSAPublicKey key) {
        int bits = key.getModulus().bitLength();
        String kind = "RSA, " + bits + " bits";
        if (bits < MIN_RSA_BITS) {
            return new VerificationKey(kind, List.of(), null);
        }
        return new VerificationKey(kind, RSA_ALGORITHMS, new RSASSAVerifier(key));
    }

    /** An EC key allows exactly the one ES algorithm defined for its curve (RFC 7518, section 3.4). */
    private static VerificationKey ec(ECPublicKey key) {
        Curve curve = Curve.forECParameterSpec(key.getParams());
        JWSAlgorithm algorithm = Curve.P_256.equals(curve) ? JWSAlgorithm.ES256
                : Curve.P_384.equals(curve) ? JWSAlgorithm.ES384
                : Curve.P_521.equals(curve) ? JWSAlgorithm.ES512
                : null;
        String kind = "EC " + (curve == null ? "on an unknown curve" : curve.getName());
        if (algorithm == null) {
            return new VerificationKey(kind, List.of(), null);
        }
        try {
            return new VerificationKey(kind, List.of(algorithm), new ECDSAVerifier(key));
        } catch (JOSEException e) {
            // The point is not on the curve: a forged or corrupted key.
            return new VerificationKey(kind + ", point not on the curve", List.of(), null);
        }
    }
}
