package io.bifrost.auth;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.bifrost.auth.TokenException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Checks that a webhook request came from Bifrost and was not changed on the way: for app
 * backends that receive webhooks.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.hmac("app-1", secret);
 * WebhookEvent event = verifier.verify(request.getHeader(WebhookVerifier.HEADER), bodyBytes);
 * }</pre>
 *
 * <p>The {@value #HEADER} header is an HS256 JWT signed with one of the keys the server verifies
 * join tokens with (its {@code kid} names which), whose {@code sha256} claim is the SHA-256 of
 * the body exactly as received, base64url without padding. Verify the raw bytes, before any
 * JSON parsing re-encodes them.
 *
 * <p>Immutable and thread-safe.
 */
public final class WebhookVerifier {
    /** The request header that carries the signature. */
    public static final String HEADER = "Bifrost-Signature";
    /** How long a signature is valid after it was made; a retry is signed anew. */
    public static final Duration SIGNATURE_TTL = Duration.ofMinutes(5);

    private final TokenVerifier tokens;

    private WebhookVerifier(TokenVerifier tokens) {
        this.tokens = tokens;
    }

    /** A verifier trusting the HMAC key the server signs its webhooks with. */
    public static WebhookVerifier hmac(String keyId, byte[] secret) {
        return hmac(Map.of(keyId, secret));
    }

    /** A verifier trusting several keys by id, e.g. the old and the new one while a key is rotated. */
    public static WebhookVerifier hmac(Map<String, byte[]> secrets) {
        return hmac(secrets, Clock.systemUTC());
    }

    /** With this clock; for tests. */
    public static WebhookVerifier hmac(Map<String, byte[]> secrets, Clock clock) {
        Objects.requireNonNull(secrets, "secrets");
        TokenVerifier.Builder builder = TokenVerifier.builder().audience(ClaimNames.WEBHOOK_AUDIENCE)
                .clock(Objects.requireNonNull(clock, "clock"));
        secrets.forEach(builder::hmacKey);
        return new WebhookVerifier(builder.build());
    }

    /**
     * The event in a webhook request whose signature holds.
     *
     * @param signature the {@value #HEADER} header's value
     * @param body the request body as received
     * @throws TokenException when the signature is missing, forged or expired ({@code expired}),
     *     or was made for another body ({@code bad-signature}), or the body is no JSON object
     *     ({@code malformed})
     */
    public WebhookEvent verify(String signature, byte[] body) throws TokenException {
        Objects.requireNonNull(body, "body");
        Map<String, Object> claims = tokens.verifiedClaims(signature);
        Object expected = claims.get(ClaimNames.SHA256);
        if (!(expected instanceof String)) {
            throw new TokenException(Reason.INVALID_CLAIMS, "webhook signature has no sha256 claim");
        }
        // Constant time: the comparison must not tell a forger how much of a digest it got right.
        if (!MessageDigest.isEqual(((String) expected).getBytes(StandardCharsets.US_ASCII),
                sha256(body).getBytes(StandardCharsets.US_ASCII))) {
            throw new TokenException(Reason.BAD_SIGNATURE, "the body is not the one the webhook signature was made for");
        }
        return event(body);
    }

    private static WebhookEvent event(byte[] body) throws TokenException {
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new TokenException(Reason.MALFORMED, "webhook body is not a JSON object");
        }
        if (!(json.get("id") instanceof String id) || !(json.get("event") instanceof String event)
                || !(json.get("room") instanceof String room) || !(json.get("createdAt") instanceof Number createdAt)) {
            throw new TokenException(Reason.MALFORMED, "webhook body lacks id, event, room or createdAt");
        }
        return new WebhookEvent(id, event, room, Instant.ofEpochMilli(createdAt.longValue()), json);
    }

    /** Base64url without padding of the body's SHA-256: the {@code sha256} claim. */
    static String sha256(byte[] body) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(body)).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
