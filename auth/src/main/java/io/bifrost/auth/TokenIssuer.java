package io.bifrost.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Mints join tokens; for app backends (and Bifrost's own dev tooling).
 *
 * <pre>{@code
 * TokenIssuer issuer = TokenIssuer.hmac("app-1", secret);
 * String token = issuer.issue(TokenRequest.builder("demo", "alice").role(Role.HOST).build());
 * }</pre>
 *
 * <p>Immutable and thread-safe: one instance can serve every request of a backend.
 */
public final class TokenIssuer {

    /** HS256 needs a key at least as long as its 256-bit hash (RFC 7518, section 3.2). */
    static final int MIN_HMAC_SECRET_BYTES = 32;

    private final String keyId;
    private final JWSSigner signer;
    private final JWSHeader header;
    private final String audience;
    private final Clock clock;

    private TokenIssuer(String keyId, JWSSigner signer, JWSHeader header, String audience, Clock clock) {
        this.keyId = keyId;
        this.signer = signer;
        this.header = header;
        this.audience = audience;
        this.clock = clock;
    }

    private static TokenIssuer create(String keyId, JWSAlgorithm algorithm, JWSSigner signer) {
        JWSHeader header = new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(keyId).build();
        return new TokenIssuer(keyId, signer, header, ClaimNames.DEFAULT_AUDIENCE, Clock.systemUTC());
    }

    /**
     * An HS256 issuer.
     *
     * @throws IllegalArgumentException when the key id is blank or the secret is shorter than 32 bytes
     */
    public static TokenIssuer hmac(String keyId, byte[] secret) {
        requireKeyId(keyId);
        Objects.requireNonNull(secret, "secret");
        if (secret.length < MIN_HMAC_SECRET_BYTES) {
            throw new IllegalArgumentException("HMAC secret for key '" + keyId + "' is " + secret.length
                    + " bytes; HS256 needs at least " + MIN_HMAC_SECRET_BYTES);
        }
        try {
            return create(keyId, JWSAlgorithm.HS256, new MACSigner(secret.clone()));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable HMAC secret for key '" + keyId + "'", e);
        }
    }

    /**
     * An RS256 issuer.
     *
     * @throws IllegalArgumentException when the key id is blank or the key is shorter than 2048 bits
     */
    public static TokenIssuer rsa(String keyId, RSAPrivateKey key) {
        requireKeyId(keyId);
        Objects.requireNonNull(key, "key");
        return create(keyId, JWSAlgorithm.RS256, new RSASSASigner(key));
    }

    /**
     * An ES256 issuer.
     *
     * @throws IllegalArgumentException when the key id is blank or the key is not on curve P-256
     */
    public static TokenIssuer ec(String keyId, ECPrivateKey key) {
        requireKeyId(keyId);
        Objects.requireNonNull(key, "key");
        Curve curve = Curve.forECParameterSpec(key.getParams());
        if (!Curve.P_256.equals(curve)) {
            throw new IllegalArgumentException("ES256 needs a P-256 key; key '" + keyId + "' is on "
                    + (curve == null ? "an unknown curve" : curve.getName()));
        }
        try {
            return create(keyId, JWSAlgorithm.ES256, new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable EC key '" + keyId + "'", e);
        }
    }

    /** The same issuer, writing this {@code aud} (default {@code "bifrost"}). */
    public TokenIssuer withAudience(String audience) {
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("audience must not be blank");
        }
        return new TokenIssuer(keyId, signer, header, audience, clock);
    }

    /** The same issuer, taking {@code iat} and {@code exp} from this clock; for tests. */
    public TokenIssuer withClock(Clock clock) {
        return new TokenIssuer(keyId, signer, header, audience, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * A signed compact JWT for this request, issued now and expiring after the request's ttl.
     *
     * @throws IllegalArgumentException when the request's notBefore is not before the expiry
     */
    public String issue(TokenRequest request) {
        Objects.requireNonNull(request, "request");
        Instant now = clock.instant();
        Instant expiresAt = now.plus(request.ttl());
        if (request.notBefore() != null && !request.notBefore().isBefore(expiresAt)) {
            throw new IllegalArgumentException("notBefore " + request.notBefore()
                    + " is not before the expiry " + expiresAt + "; the token would never be valid");
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(keyId)
                .subject(request.identity())
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .claim(ClaimNames.ROOM, request.room())
                .claim(ClaimNames.ROLE, request.role().wireName());
        if (request.notBefore() != null) {
            claims.notBeforeTime(Date.from(request.notBefore()));
        }
        if (request.name() != null) {
            claims.claim(ClaimNames.NAME, request.name());
        }
        if (request.grants() != null) {
            claims.claim(ClaimNames.GRANTS, toJson(request.grants()));
        }
        if (request.metadata() != null && !request.metadata().isEmpty()) {
            claims.claim(ClaimNames.METADATA, request.metadata());
        }
        if (request.roomMode() != null) {
            claims.claim(ClaimNames.ROOM_CONFIG, Map.of(ClaimNames.MODE, request.roomMode().wireName()));
        }
        return sign(claims.build());
    }

    /**
     * A signed admin token for the REST API, issued now and expiring after {@code ttl}.
     *
     * <pre>{@code
     * String admin = issuer.issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(10));
     * // Authorization: Bearer <admin>
     * }</pre>
     *
     * @param grants what the token allows, and its room when {@link AdminGrants#forRoom} limited it
     * @throws IllegalArgumentException when the grants allow nothing or the ttl is not positive
     */
    public String issueAdmin(AdminGrants grants, Duration ttl) {
        Objects.requireNonNull(grants, "grants");
        Objects.requireNonNull(ttl, "ttl");
        if (!grants.roomCreate() && !grants.roomList() && !grants.roomAdmin()) {
            throw new IllegalArgumentException("an admin token needs at least one of roomCreate, roomList and roomAdmin");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        Instant now = clock.instant();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(ClaimNames.ROOM_CREATE, grants.roomCreate());
        json.put(ClaimNames.ROOM_LIST, grants.roomList());
        json.put(ClaimNames.ROOM_ADMIN, grants.roomAdmin());
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(keyId)
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .claim(ClaimNames.GRANTS, json);
        if (grants.subject() != null) {
            claims.subject(grants.subject());
        }
        if (grants.room() != null) {
            claims.claim(ClaimNames.ROOM, grants.room());
        }
        return sign(claims.build());
    }

    /**
     * The signature of a webhook body, sent as the {@value WebhookVerifier#HEADER} header: a JWT
     * carrying the body's SHA-256, valid for {@link WebhookVerifier#SIGNATURE_TTL}, which
     * {@link WebhookVerifier} checks.
     */
    public String signWebhook(byte[] body) {
        Objects.requireNonNull(body, "body");
        Instant now = clock.instant();
        return sign(new JWTClaimsSet.Builder()
                .issuer(keyId)
                .audience(ClaimNames.WEBHOOK_AUDIENCE)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(WebhookVerifier.SIGNATURE_TTL)))
                .claim(ClaimNames.SHA256, WebhookVerifier.sha256(body))
                .build());
    }

    private String sign(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("could not sign a token with key '" + keyId + "'", e);
        }
        return jwt.serialize();
    }

    private static Map<String, Object> toJson(Grants grants) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(ClaimNames.CAN_PUBLISH, grants.canPublish());
        json.put(ClaimNames.CAN_SUBSCRIBE, grants.canSubscribe());
        json.put(ClaimNames.CAN_PUBLISH_DATA, grants.canPublishData());
        json.put(ClaimNames.ROOM_ADMIN, grants.roomAdmin());
        json.put(ClaimNames.HIDDEN, grants.hidden());
        return json;
    }

    private static void requireKeyId(String keyId) {
        if (keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("key id must not be blank");
        }
    }

    @Override
    public String toString() {
        return "TokenIssuer[kid=" + keyId + ", alg=" + header.getAlgorithm() + ", aud=" + audience + "]";
    }
}
