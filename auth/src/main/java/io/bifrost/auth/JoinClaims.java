package io.bifrost.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * The verified content of a join token: who joins which room, with what rights.
 *
 * <p>Built by {@link TokenVerifier#verify(String)}, which fills every component except
 * {@code notBefore} (null when the token has no {@code nbf}). A null {@code name} becomes the
 * identity and a null {@code metadata} becomes {@code ""}, so readers never see null there.
 *
 * @param identity  the participant's identity within the app ({@code sub})
 * @param name      the display name ({@code name}, defaults to the identity)
 * @param room      the room to join ({@code room})
 * @param role      the role ({@code role}, defaults to listener)
 * @param grants    the effective grants: the token's, each missing one taken from the role
 * @param metadata  opaque app data for the other participants ({@code metadata}, defaults to "")
 * @param issuedAt  {@code iat}, or null when the token has none
 * @param notBefore {@code nbf}, or null
 * @param expiresAt {@code exp}
 * @param keyId     the id of the key that verified the token ({@code kid}, else {@code iss})
 * @param roomMode  the mode the room is created with if this token creates it ({@code roomConfig.mode}),
 *                  or null for the server's default
 */
public record JoinClaims(String identity, String name, String room, Role role, Grants grants, String metadata,
                         Instant issuedAt, Instant notBefore, Instant expiresAt, String keyId,
                         RoomMode roomMode) {

    public JoinClaims {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(grants, "grants");
        name = name == null ? identity : name;
        metadata = metadata == null ? "" : metadata;
    }
}
