package io.bifrost.auth;

import java.util.Objects;

/**
 * A token was refused. {@link #reason()} is what goes on the wire (see {@code docs/protocol.md});
 * the message is for people, e.g. {@code "token expired at 2026-11-22T10:00:00Z"}.
 *
 * <p>Messages never contain the token or any secret, so they can be logged and sent back to the
 * client as they are. Values taken from the token (a key id, an audience) are quoted, cut short
 * and stripped of control characters.
 */
public final class TokenException extends Exception {

    /** Why a token was refused; {@link #code()} is the wire name. */
    public enum Reason {
        /** No token, or a blank one. */
        MISSING("missing-token"),
        /** Not a compact signed JWT (JWS), including encrypted ones (JWE). */
        MALFORMED("malformed"),
        /** {@code alg: none}, or an algorithm the key's type does not allow (HS/RS confusion). */
        ALGORITHM_NOT_ALLOWED("alg-not-allowed"),
        /** No key with the token's {@code kid} (or {@code iss}). */
        UNKNOWN_KEY("unknown-key"),
        /** The signature does not verify. */
        BAD_SIGNATURE("bad-signature"),
        /** {@code exp} is past, beyond the allowed clock skew. */
        EXPIRED("expired"),
        /** {@code nbf} is in the future, beyond the allowed clock skew. */
        NOT_YET_VALID("not-yet-valid"),
        /** {@code aud} does not contain the server's audience. */
        WRONG_AUDIENCE("wrong-audience"),
        /** A required claim is missing or a claim has the wrong type or value. */
        INVALID_CLAIMS("invalid-claims"),
        /** The JWKS could not be fetched; the token may be fine, retry later. */
        KEY_SOURCE_UNAVAILABLE("key-source-unavailable");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The wire name, e.g. {@code "bad-signature"}. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public TokenException(Reason reason, String message) {
        this(reason, message, null);
    }

    /** With the cause, for the server's log (a JWKS fetch that failed); the cause is not for clients. */
    TokenException(Reason reason, String message, Throwable cause) {
        // No stack trace: a refusal is an expected outcome, fully described by its reason and
        // message, and a flood of bad tokens should not cost a stack walk each.
        super(message, cause, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "TokenException[" + reason.code + "]: " + getMessage();
    }
}
