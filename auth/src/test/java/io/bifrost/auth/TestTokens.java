package io.bifrost.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Keys, a fixed clock and hand-made tokens for the tests; keys are generated once per test run. */
final class TestTokens {

    static final Instant NOW = Instant.parse("2026-11-22T09:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    static final String HMAC_KID = "app";
    static final String RSA_KID = "rsa-1";
    static final String EC_KID = "ec-1";

    /** 32 bytes, the HS256 minimum. */
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final KeyPair RSA = generate("RSA");
    static final KeyPair EC = generate("EC");

    private TestTokens() {
    }

    private static KeyPair generate(String algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("RSA")) {
                generator.initialize(2048);
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A verifier trusting the HMAC, RSA and EC test keys, at {@link #NOW}. */
    static TokenVerifier.Builder verifier() {
        return TokenVerifier.builder()
                .hmacKey(HMAC_KID, SECRET)
                .publicKey(RSA_KID, RSA.getPublic())
                .publicKey(EC_KID, EC.getPublic())
                .clock(CLOCK);
    }

    static TokenIssuer hmacIssuer() {
        return TokenIssuer.hmac(HMAC_KID, SECRET).withClock(CLOCK);
    }

    static TokenIssuer rsaIssuer() {
        return TokenIssuer.rsa(RSA_KID, (java.security.interfaces.RSAPrivateKey) RSA.getPrivate()).withClock(CLOCK);
    }

    static TokenIssuer ecIssuer() {
        return TokenIssuer.ec(EC_KID, (ECPrivateKey) EC.getPrivate()).withClock(CLOCK);
    }

    /** The claims of a valid listener token for alice in room demo, issued at NOW for an hour; mutable. */
    static Map<String, Object> claims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", HMAC_KID);
        claims.put("sub", "alice");
        claims.put("aud", "bifrost");
        claims.put("iat", NOW.getEpochSecond());
        claims.put("exp", NOW.getEpochSecond() + 3600);
        claims.put("room", "demo");
        return claims;
    }

    /** A token with these claims, signed by {@code signer} with {@code algorithm}; {@code kid} may be null. */
    static String sign(JWSSigner signer, JWSAlgorithm algorithm, String kid, Map<String, Object> claims) {
        JWSHeader header = new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(kid).build();
        JWSObject jws = new JWSObject(header, new Payload(JSONObjectUtils.toJSONString(claims)));
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jws.serialize();
    }

    /** An HS256 token with the test secret and kid {@link #HMAC_KID}. */
    static String hs256(Map<String, Object> claims) {
        return sign(macSigner(SECRET), JWSAlgorithm.HS256, HMAC_KID, claims);
    }

    static String rs256(String kid, Map<String, Object> claims) {
        return sign(new RSASSASigner(RSA.getPrivate()), JWSAlgorithm.RS256, kid, claims);
    }

    static String es256(String kid, Map<String, Object> claims) {
        try {
            return sign(new ECDSASigner((ECPrivateKey) EC.getPrivate()), JWSAlgorithm.ES256, kid, claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static MACSigner macSigner(byte[] secret) {
        try {
            return new MACSigner(secret);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token from raw header and payload JSON, HMAC-SHA256-signed with {@code secret}: for headers Nimbus would not build. */
    static String rawHs256(String headerJson, String payloadJson, byte[] secret) {
        String signingInput = base64Url(headerJson) + "." + base64Url(payloadJson);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String base64Url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String json(Map<String, Object> claims) {
        return JSONObjectUtils.toJSONString(claims);
    }
}
