package io.bifrost.signaling.session;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.rooms.room.Participant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;

/**
 * Mints the fresh join tokens a session is sent before its token expires, so that a client in a
 * long broadcast can still reconnect after the token it joined with has expired.
 *
 * <p>A fresh token is signed with the key that signed the session's token, and only when that
 * key is an HMAC key this node holds: tokens signed with a public key (configured or from a
 * JWKS) were made with a private key the node never sees, so they are not refreshed.
 *
 * <p>Immutable and thread-safe; the sweeper's thread calls it for every session.
 */
public final class TokenRefresh {
    /**
     * A token is refreshed once less than half its lifetime is left, and at the latest this long
     * before it expires: room for a few reconnect attempts with backoff before the old one runs
     * out, while a day-long token is not replaced every twelve hours for nothing.
     */
    static final Duration MAX_LEAD = Duration.ofMinutes(5);
    /** JWT times are whole seconds; a shorter lifetime cannot be expressed. */
    private static final Duration MIN_LIFETIME = Duration.ofSeconds(1);

    private final Map<String, TokenIssuer> issuers;
    private final Clock clock;

    /**
     * @param issuers an HMAC issuer for each key id this node signs with, writing the audience
     *     the node expects
     */
    public TokenRefresh(Map<String, TokenIssuer> issuers, Clock clock) {
        this.issuers = Map.copyOf(issuers);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    Instant now() {
        return clock.instant();
    }

    /**
     * The term of a session's token, or null when this node cannot refresh it: its key is not
     * an HMAC key the node holds, or its lifetime is shorter than a second.
     *
     * @param connectedAt when the token was presented: its lifetime counts from there when it
     *     has no {@code iat}
     */
    Term term(JoinClaims claims, Instant connectedAt) {
        if (!issuers.containsKey(claims.keyId())) {
            return null;
        }
        Instant issuedAt = claims.issuedAt() != null ? claims.issuedAt() : connectedAt;
        // Whole seconds, so that a fresh token's exp is exactly its iat plus the lifetime.
        Duration lifetime = Duration.between(issuedAt, claims.expiresAt()).truncatedTo(ChronoUnit.SECONDS);
        return lifetime.compareTo(MIN_LIFETIME) < 0 ? null : new Term(claims.expiresAt(), lifetime);
    }

    /**
     * A fresh token for the participant as it is now: the session's room and identity, with its
     * current role, grants, name and metadata, valid for the same lifetime as the session's token.
     */
    Fresh issue(JoinClaims claims, Participant now, Term term) {
        TokenIssuer issuer = issuers.get(claims.keyId());
        Instant issuedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        TokenRequest request = TokenRequest.builder(claims.room(), claims.identity())
                .name(now.name())
                .role(now.role())
                .grants(now.grants())
                .metadata(now.metadata().isEmpty() ? null : now.metadata())
                .roomMode(claims.roomMode())
                .ttl(term.lifetime())
                .build();
        String token = issuer.withClock(Clock.fixed(issuedAt, ZoneOffset.UTC)).issue(request);
        return new Fresh(token, new Term(issuedAt.plus(term.lifetime()), term.lifetime()));
    }

    /**
     * When a token expires and how long it was valid for.
     *
     * @param lifetime {@code exp - iat}, whole seconds
     */
    record Term(Instant expiresAt, Duration lifetime) {
        /** Whether a fresh token is due: less than half the lifetime, or than {@link #MAX_LEAD}, is left. */
        boolean due(Instant now) {
            Duration lead = lifetime.dividedBy(2);
            if (lead.compareTo(MAX_LEAD) > 0) {
                lead = MAX_LEAD;
            }
            return !now.isBefore(expiresAt.minus(lead));
        }
    }

    /** A fresh token and its term. */
    record Fresh(String token, Term term) {
        @Override
        public String toString() {
            return "Fresh[expiresAt=" + term.expiresAt() + "]"; // the token is a credential
        }
    }
}
