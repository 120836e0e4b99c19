package io.bifrost.auth;

import java.time.Instant;

/**
 * What an app's backend may do through the REST API, from an admin token.
 *
 * <p>An admin token is signed like a join token (same keys, same {@code aud}) and carries
 * {@code grants} with at least one of {@code roomCreate}, {@code roomList} and {@code roomAdmin}.
 * A {@code room} claim limits the token to that one room. A join token with
 * {@code roomAdmin} (a host's) is therefore also an admin token for its own room: it may do
 * over HTTP what its holder may already do in the room.
 *
 * @param roomCreate may create and delete rooms
 * @param roomList   may list rooms and read a room's state
 * @param roomAdmin  may list, remove, mute and change participants, and send messages into rooms
 * @param room       the only room the token acts on, or null for every room
 * @param subject    who the token was issued to ({@code sub}), or null
 * @param keyId      the id of the key that verified the token
 * @param expiresAt  {@code exp}; null only in a request to {@link TokenIssuer#issueAdmin}
 */
public record AdminGrants(boolean roomCreate, boolean roomList, boolean roomAdmin, String room, String subject,
                          String keyId, Instant expiresAt) {

    /** Grants to ask {@link TokenIssuer#issueAdmin} for: every room, no subject. */
    public static AdminGrants of(boolean roomCreate, boolean roomList, boolean roomAdmin) {
        return new AdminGrants(roomCreate, roomList, roomAdmin, null, null, null, null);
    }

    /** The same grants, limited to one room. */
    public AdminGrants forRoom(String room) {
        return new AdminGrants(roomCreate, roomList, roomAdmin, room, subject, keyId, expiresAt);
    }

    /** Whether the token may act on this room at all. */
    public boolean covers(String roomName) {
        return room == null || room.equals(roomName);
    }
}
