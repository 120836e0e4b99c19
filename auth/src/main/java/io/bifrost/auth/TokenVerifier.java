package io.bifrost.auth;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.bifrost.auth.TokenException.Reason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks join tokens; runs on every join, before the websocket upgrade.
 *
 * <p>The checks run in a fixed order and the first failure decides the {@link Reason}: the token's
 * form (missing, malformed, {@code alg: none}), the key and whether it allows the token's
 * algorithm, the signature, and only then the times and the claims. So a client learns nothing
 * about a token's claims until its signature holds, and each reason means exactly one thing.
 * Nimbus does the parsing and the cryptography; the decisions are made here rather than by
 * {@code DefaultJWTProcessor}, whose generic exceptions would blur the reasons.
 *
 * <p>Immutable and thread-safe. Verifying with a configured key takes no lock of its own and does
 * no I/O; with a JWKS, only a fetch (at most once per cache TTL, usually in the background) does.
 */
public final class TokenVerifier {

    /**
     * Longer tokens are refused before any decoding. A Bifrost token is well under 1 KB even with
     * some metadata, and Jetty's default 8 KB header and URI limits would cut anything near this.
     */
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    /** Ten seconds absorbs NTP-disciplined clocks and the issuer's second-granular timestamps. */
    static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(10);
    /** 9999-12-31T23:59:59Z: later NumericDates are nonsense, and this bound keeps millisecond math from overflowing. */
    private static final long MAX_NUMERIC_DATE_SECONDS = 253_402_300_799L;
    /** Values taken from a token and quoted in a message are cut to this length. */
    private static final int MAX_QUOTED_CHARS = 64;

    private final Map<String, VerificationKey> keys;
    private final JwksKeys jwks;
    private final String audience;
    private final long clockSkewMillis;
    private final Clock clock;

    private TokenVerifier(Builder builder) {
        this.keys = Map.copyOf(builder.keys);
        this.jwks = builder.jwksUri == null ? null : new JwksKeys(builder.jwksUri, builder.jwksCacheTtl);
        this.audience = builder.audience;
        this.clockSkewMillis = builder.clockSkew.toMillis();
        this.clock = builder.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The claims of a valid token.
     *
     * @param token a compact JWS, as sent by the client; surrounding whitespace is ignored
     * @throws TokenException with the first check the token fails
     */
    public JoinClaims verify(String token) throws TokenException {
        Signed signed = signed(token);
        return joinClaims(signed.claims(), signed.keyId());
    }

    /**
     * The grants of a valid admin token (see {@link AdminGrants}): the same checks as
     * {@link #verify}, in the same order, then the admin grants.
     *
     * @throws TokenException with the first check the token fails; {@code invalid-claims} when it
     *     grants none of roomCreate, roomList and roomAdmin
     */
    public AdminGrants verifyAdmin(String token) throws TokenException {
        Signed signed = signed(token);
        Map<String, Object> claims = signed.claims();
        Instant expiresAt = checkTimes(claims);
        Object value = claims.get(ClaimNames.GRANTS);
        if (value != null && !(value instanceof Map)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "grants must be a JSON object");
        }
        Map<?, ?> grants = value == null ? Map.of() : (Map<?, ?>) value;
        boolean create = grant(grants, ClaimNames.ROOM_CREATE, false);
        boolean list = grant(grants, ClaimNames.ROOM_LIST, false);
        // A host's join token grants roomAdmin through its role.
        String roleName = optionalString(claims, ClaimNames.ROLE);
        boolean roleAdmin = roleName != null && Role.HOST.wireName().equals(roleName) && Role.HOST.defaultGrants().roomAdmin();
        boolean admin = grant(grants, ClaimNames.ROOM_ADMIN, roleAdmin);
        if (!create && !list && !admin) {
            throw new TokenException(Reason.INVALID_CLAIMS,
                    "token grants none of roomCreate, roomList and roomAdmin, so it is no admin token");
        }
        String room = optionalString(claims, ClaimNames.ROOM);
        if (room != null && room.isBlank()) {
            throw new TokenException(Reason.INVALID_CLAIMS, "room must not be blank");
        }
        return new AdminGrants(create, list, admin, room, optionalString(claims, "sub"), signed.keyId(), expiresAt);
    }

    /**
     * The claims of a token of any kind once its form, key, signature, times and audience hold;
     * what they mean is for the caller (see {@link WebhookVerifier}).
     */
    Map<String, Object> verifiedClaims(String token) throws TokenException {
        Map<String, Object> claims = signed(token).claims();
        checkTimes(claims);
        return claims;
    }

    /** A token's claims once its form, key and signature hold, and the key that verified it. */
    private record Signed(Map<String, Object> claims, String keyId) {}

    private Signed signed(String token) throws TokenException {
        if (token == null || token.isBlank()) {
            throw new TokenException(Reason.MISSING, "no token");
        }
        String jws = token.strip();
        checkForm(jws);
        int firstDot = jws.indexOf('.');
        int secondDot = jws.indexOf('.', firstDot + 1);
        JWSHeader header = parseHeader(jws.substring(0, firstDot));
        Map<String, Object> claims = parsePayload(jws.substring(firstDot + 1, secondDot));

        String keyId = keyId(header, claims);
        VerificationKey key = key(keyId, header.getAlgorithm());

        boolean valid;
        try {
            // Over the header and payload exactly as sent, not as re-encoded.
            valid = key.verifier().verify(header,
                    jws.substring(0, secondDot).getBytes(StandardCharsets.US_ASCII),
                    new Base64URL(jws.substring(secondDot + 1)));
        } catch (JOSEException e) {
            valid = false;
        }
        if (!valid) {
            throw new TokenException(Reason.BAD_SIGNATURE, "token signature does not verify with key " + quote(keyId));
        }
        return new Signed(claims, keyId);
    }

    /** Three base64url parts separated by dots, and not too long to bother decoding. */
    private static void checkForm(String jws) throws TokenException {
        if (jws.length() > MAX_TOKEN_CHARS) {
            throw new TokenException(Reason.MALFORMED,
                    "token is " + jws.length() + " characters long; the limit is " + MAX_TOKEN_CHARS);
        }
        int dots = 0;
        for (int i = 0; i < jws.length(); i++) {
            char c = jws.charAt(i);
            if (c == '.') {
                dots++;
            } else if (!isBase64Url(c)) {
                throw new TokenException(Reason.MALFORMED,
                        "token has a character that is not base64url at position " + i);
            }
        }
        if (dots == 4) {
            throw new TokenException(Reason.MALFORMED, "token is encrypted (JWE); Bifrost accepts signed tokens (JWS)");
        }
        if (dots != 2) {
            throw new TokenException(Reason.MALFORMED,
                    "a signed JWT has 3 parts separated by dots; this token has " + (dots + 1));
        }
    }

    private static JWSHeader parseHeader(String encoded) throws TokenException {
        Header header;
        try {
            header = Header.parse(new Base64URL(encoded));
        } catch (ParseException | RuntimeException e) {
            // Nimbus reports bad input as ParseException; anything else from untrusted bytes is still bad input.
            throw new TokenException(Reason.MALFORMED, "token header is not a valid JOSE header");
        }
        if (header instanceof PlainHeader) {
            throw new TokenException(Reason.ALGORITHM_NOT_ALLOWED, "token is unsigned (alg none)");
        }
        if (!(header instanceof JWSHeader)) {
            throw new TokenException(Reason.MALFORMED, "token header is not a JWS header");
        }
        Set<String> critical = header.getCriticalParams();
        if (critical != null && !critical.isEmpty()) {
            // RFC 7515, section 4.1.11: a critical parameter we do not understand makes the token invalid.
            throw new TokenException(Reason.MALFORMED,
                    "token header marks parameters as critical (crit), which Bifrost does not support");
        }
        return (JWSHeader) header;
    }

    private static Map<String, Object> parsePayload(String encoded) throws TokenException {
        Map<String, Object> claims;
        try {
            claims = JSONObjectUtils.parse(new Base64URL(encoded).decodeToString());
        } catch (ParseException e) {
            claims = null;
        }
        if (claims == null) {
            throw new TokenException(Reason.MALFORMED, "token payload is not a JSON object");
        }
        return claims;
    }

    /**
     * The id of the key the token claims to be signed with: {@code kid}, else {@code iss}. Read
     * before the signature is checked, so it is only a name to look up, trusted for nothing else.
     */
    private static String keyId(JWSHeader header, Map<String, Object> claims) throws TokenException {
        String kid = header.getKeyID();
        Object iss = claims.get("iss");
        if (iss != null && !(iss instanceof String)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "iss must be a string");
        }
        String issuer = (String) iss;
        if (kid != null && issuer != null && !kid.equals(issuer)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "token header kid " + quote(kid)
                    + " and claim iss " + quote(issuer) + " name different keys");
        }
        String keyId = kid != null ? kid : issuer;
        if (keyId == null) {
            throw new TokenException(Reason.UNKNOWN_KEY,
                    "token names no key: it has neither a kid header nor an iss claim");
        }
        return keyId;
    }

    /** The key with this id, if it allows the token's algorithm; configured keys first, then the JWKS. */
    private VerificationKey key(String keyId, JWSAlgorithm algorithm) throws TokenException {
        VerificationKey key = keys.get(keyId);
        if (key == null && jwks != null) {
            key = jwks.find(keyId, algorithm);
        }
        if (key == null) {
            throw new TokenException(Reason.UNKNOWN_KEY, "no key with id " + quote(keyId));
        }
        if (!key.allows(algorithm)) {
            throw new TokenException(Reason.ALGORITHM_NOT_ALLOWED, "token algorithm " + quote(algorithm.getName())
                    + " is not allowed with key " + quote(keyId) + " (" + key.kind() + "); allowed: "
                    + key.allowedText());
        }
        return key;
    }

    /** Times, audience, then Bifrost's claims; only for a token whose signature holds. */
    private JoinClaims joinClaims(Map<String, Object> claims, String keyId) throws TokenException {
        Instant expiresAt = checkTimes(claims);
        Instant notBefore = numericDate(claims, "nbf");
        // Optional: PyJWT and others leave it out unless asked, and nothing here depends on it.
        Instant issuedAt = numericDate(claims, "iat");
        String identity = requiredString(claims, "sub");
        String room = requiredString(claims, ClaimNames.ROOM);
        String roleName = optionalString(claims, ClaimNames.ROLE);
        Role role;
        if (roleName == null) {
            role = Role.LISTENER;
        } else {
            try {
                role = Role.fromWire(roleName);
            } catch (IllegalArgumentException e) {
                throw new TokenException(Reason.INVALID_CLAIMS,
                        "role " + quote(roleName) + " is not one of host, speaker, listener");
            }
        }
        Grants grants = grants(claims.get(ClaimNames.GRANTS), role.defaultGrants());
        String name = optionalString(claims, ClaimNames.NAME);
        String metadata = optionalString(claims, ClaimNames.METADATA);
        return new JoinClaims(identity, name, room, role, grants, metadata, issuedAt, notBefore, expiresAt, keyId,
                roomMode(claims.get(ClaimNames.ROOM_CONFIG)));
    }

    /** Expiry, not-before and audience; returns {@code exp}. */
    private Instant checkTimes(Map<String, Object> claims) throws TokenException {
        long now = clock.millis();
        Instant expiresAt = numericDate(claims, "exp");
        if (expiresAt == null) {
            throw new TokenException(Reason.INVALID_CLAIMS, "token has no exp");
        }
        if (now >= expiresAt.toEpochMilli() + clockSkewMillis) {
            throw new TokenException(Reason.EXPIRED, "token expired at " + expiresAt);
        }
        Instant notBefore = numericDate(claims, "nbf");
        if (notBefore != null && now < notBefore.toEpochMilli() - clockSkewMillis) {
            throw new TokenException(Reason.NOT_YET_VALID, "token is not valid before " + notBefore);
        }
        checkAudience(claims.get("aud"));
        return expiresAt;
    }

    private static RoomMode roomMode(Object roomConfig) throws TokenException {
        if (roomConfig == null) {
            return null;
        }
        if (!(roomConfig instanceof Map<?, ?> config)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "roomConfig must be a JSON object");
        }
        Object mode = config.get(ClaimNames.MODE);
        if (mode == null) {
            return null;
        }
        try {
            return RoomMode.fromWire(mode instanceof String s ? s : String.valueOf(mode));
        } catch (IllegalArgumentException e) {
            throw new TokenException(Reason.INVALID_CLAIMS, "roomConfig.mode: " + e.getMessage());
        }
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private void checkAudience(Object aud) throws TokenException {
        if (aud == null) {
            throw new TokenException(Reason.WRONG_AUDIENCE, "token has no aud; expected " + quote(audience));
        }
        if (aud instanceof String) {
            if (!audience.equals(aud)) {
                throw new TokenException(Reason.WRONG_AUDIENCE,
                        "token audience " + quote((String) aud) + " is not " + quote(audience));
            }
            return;
        }
        if (!(aud instanceof List)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "aud must be a string or an array of strings");
        }
        List<?> audiences = (List<?>) aud;
        boolean found = false;
        for (Object entry : audiences) {
            if (!(entry instanceof String)) {
                throw new TokenException(Reason.INVALID_CLAIMS, "aud must be a string or an array of strings");
            }
            found |= audience.equals(entry);
        }
        if (!found) {
            throw new TokenException(Reason.WRONG_AUDIENCE,
                    "token audiences (" + audiences.size() + ") do not include " + quote(audience));
        }
    }

    /** A NumericDate claim (seconds since the epoch, possibly fractional), or null when absent. */
    private static Instant numericDate(Map<String, Object> claims, String claim) throws TokenException {
        Object value = claims.get(claim);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number)) {
            throw new TokenException(Reason.INVALID_CLAIMS, claim + " must be a number of seconds since the epoch");
        }
        double seconds = ((Number) value).doubleValue();
        if (!(seconds >= 0 && seconds <= MAX_NUMERIC_DATE_SECONDS)) {
            throw new TokenException(Reason.INVALID_CLAIMS, claim + " is out of range");
        }
        return value instanceof Long
                ? Instant.ofEpochSecond((Long) value)
                : Instant.ofEpochMilli((long) Math.floor(seconds * 1000));
    }

    private static String requiredString(Map<String, Object> claims, String claim) throws TokenException {
        String value = optionalString(claims, claim);
        if (value == null || value.isBlank()) {
            throw new TokenException(Reason.INVALID_CLAIMS, "token has no " + claim);
        }
        return value;
    }

    /** A string claim, or null when absent; JSON null counts as absent, as some serializers write it for unset fields. */
    private static String optionalString(Map<String, Object> claims, String claim) throws TokenException {
        Object value = claims.get(claim);
        if (value != null && !(value instanceof String)) {
            throw new TokenException(Reason.INVALID_CLAIMS, claim + " must be a string");
        }
        return (String) value;
    }

    private static Grants grants(Object value, Grants defaults) throws TokenException {
        if (value == null) {
            return defaults;
        }
        if (!(value instanceof Map)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "grants must be a JSON object");
        }
        Map<?, ?> grants = (Map<?, ?>) value;
        return new Grants(
                grant(grants, ClaimNames.CAN_PUBLISH, defaults.canPublish()),
                grant(grants, ClaimNames.CAN_SUBSCRIBE, defaults.canSubscribe()),
                grant(grants, ClaimNames.CAN_PUBLISH_DATA, defaults.canPublishData()),
                grant(grants, ClaimNames.ROOM_ADMIN, defaults.roomAdmin()),
                grant(grants, ClaimNames.HIDDEN, defaults.hidden()));
    }

    private static boolean grant(Map<?, ?> grants, String name, boolean fallback) throws TokenException {
        Object value = grants.get(name);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "grants." + name + " must be true or false");
        }
        return (Boolean) value;
    }

    /**
     * A value from the token, made safe for a message that may be logged or sent back: quoted,
     * cut short, control characters replaced.
     */
    static String quote(String value) {
        int length = Math.min(value.length(), MAX_QUOTED_CHARS);
        StringBuilder quoted = new StringBuilder(length + 5).append('\'');
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            quoted.append(Character.isISOControl(c) ? '?' : c);
        }
        if (value.length() > MAX_QUOTED_CHARS) {
            quoted.append("...");
        }
        return quoted.append('\'').toString();
    }

    /** Configures a {@link TokenVerifier}; at least one key or a JWKS URL is required. */
    public static final class Builder {
        private final Map<String, VerificationKey> keys = new HashMap<>();
        private URI jwksUri;
        private Duration jwksCacheTtl;
        private String audience = ClaimNames.DEFAULT_AUDIENCE;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * Trusts HS256 tokens with this kid (and HS384/HS512 when the secret is long enough for them).
         *
         * @throws IllegalArgumentException when the kid is blank or taken, or the secret is shorter than 32 bytes
         */
        public Builder hmacKey(String kid, byte[] secret) {
            requireFreeKeyId(kid);
            Objects.requireNonNull(secret, "secret");
            if (secret.length < TokenIssuer.MIN_HMAC_SECRET_BYTES) {
                throw new IllegalArgumentException("HMAC secret for key '" + kid + "' is " + secret.length
                        + " bytes; at least " + TokenIssuer.MIN_HMAC_SECRET_BYTES + " are required");
            }
            keys.put(kid, VerificationKey.hmac(secret.clone()));
            return this;
        }

        /**
         * Trusts tokens with this kid signed by the matching private key: RS256/384/512 and
         * PS256/384/512 for an RSA key (at least 2048 bits), the curve's ES algorithm for an EC key
         * (P-256, P-384, P-521).
         *
         * @throws IllegalArgumentException when the kid is blank or taken, or the key is of another type
         */
        public Builder publicKey(String kid, PublicKey key) {
            requireFreeKeyId(kid);
            Objects.requireNonNull(key, "key");
            VerificationKey verificationKey;
            try {
                verificationKey = VerificationKey.publicKey(key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key '" + kid + "': " + e.getMessage(), e);
            }
            keys.put(kid, verificationKey);
            return this;
        }

        private void requireFreeKeyId(String kid) {
            if (kid == null || kid.isBlank()) {
                throw new IllegalArgumentException("key id must not be blank");
            }
            if (keys.containsKey(kid)) {
                throw new IllegalArgumentException("key id '" + kid + "' is already configured");
            }
        }

        /**
         * Trusts the RSA and EC keys published at this JWKS URL, fetched when first needed and
         * cached for {@code cacheTtl} (at least a minute). Configured keys win over the JWKS for
         * the same kid. A second call replaces the first.
         */
        public Builder jwksUrl(URI url, Duration cacheTtl) {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(cacheTtl, "cacheTtl");
            JwksKeys.checkConfig(url, cacheTtl);
            this.jwksUri = url;
            this.jwksCacheTtl = cacheTtl;
            return this;
        }

        /** The audience tokens must name in {@code aud}; default {@code "bifrost"}. */
        public Builder audience(String audience) {
            if (audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("audience must not be blank");
            }
            this.audience = audience;
            return this;
        }

        /** How far {@code exp} and {@code nbf} may be off from this server's clock; default 10 s. */
        public Builder clockSkew(Duration clockSkew) {
            Objects.requireNonNull(clockSkew, "clockSkew");
            if (clockSkew.isNegative()) {
                throw new IllegalArgumentException("clock skew must not be negative, was " + clockSkew);
            }
            this.clockSkew = clockSkew;
            return this;
        }

        /** The clock tokens are checked against; for tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * @throws IllegalStateException when neither a key nor a JWKS URL was given
         * @throws IllegalArgumentException when the JWKS URL is not an http(s) URL
         */
        public TokenVerifier build() {
            if (keys.isEmpty() && jwksUri == null) {
                throw new IllegalStateException("no key source: configure hmacKey, publicKey or jwksUrl");
            }
            return new TokenVerifier(this);
        }
    }
}
