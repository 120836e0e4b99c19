package io.bifrost.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a token issued by {@link TokenIssuer#issue(TokenRequest)} says.
 *
 * <p>Optional components are null when not set, and are then left out of the token:
 * {@code name} (the verifier uses the identity), {@code grants} (the role's defaults),
 * {@code metadata} (empty) and {@code notBefore} (valid at once).
 *
 * @param room      the room the token admits to; not blank
 * @param identity  the participant's identity; not blank
 * @param name      the display name, or null
 * @param role      the role; not null
 * @param grants    explicit grants, or null for the role's defaults
 * @param metadata  opaque app data, or null
 * @param ttl       how long the token is valid from the moment it is issued; positive
 * @param notBefore the instant from which the token is valid, or null
 * @param roomMode  the mode of the room if this token creates it, or null for the server's default
 */
public record TokenRequest(String room, String identity, String name, Role role, Grants grants, String metadata,
                           Duration ttl, Instant notBefore, RoomMode roomMode) {

    /** One hour: long enough to reconnect within a session, short enough that a leaked token ages out. */
    static final Duration DEFAULT_TTL = Duration.ofHours(1);

    public TokenRequest {
        requireNotBlank(room, "room");
        requireNotBlank(identity, "identity");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
    }

    /** A builder for a listener token valid for one hour. */
    public static Builder builder(String room, String identity) {
        return new Builder(room, identity);
    }

    private static void requireNotBlank(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    /** Builds a {@link TokenRequest}; role defaults to listener, ttl to one hour. */
    public static final class Builder {
        private final String room;
        private final String identity;
        private String name;
        private Role role = Role.LISTENER;
        private Grants grants;
        private String metadata;
        private Duration ttl = DEFAULT_TTL;
        private Instant notBefore;
        private RoomMode roomMode;

        private Builder(String room, String identity) {
            this.room = room;
            this.identity = identity;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder role(Role role) {
            this.role = role;
            return this;
        }

        /** Explicit grants; null (the default) means the role's defaults. */
        public Builder grants(Grants grants) {
            this.grants = grants;
            return this;
        }

        public Builder metadata(String metadata) {
            this.metadata = metadata;
            return this;
        }

        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        public Builder notBefore(Instant notBefore) {
            this.notBefore = notBefore;
            return this;
        }

        /** The mode of the room if this token creates it; null (the default) leaves it to the server. */
        public Builder roomMode(RoomMode roomMode) {
            this.roomMode = roomMode;
            return this;
        }

        /** @throws IllegalArgumentException when room or identity is blank, or ttl is not positive */
        public TokenRequest build() {
            return new TokenRequest(room, identity, name, role, grants, metadata, ttl, notBefore, roomMode);
        }
    }
}
