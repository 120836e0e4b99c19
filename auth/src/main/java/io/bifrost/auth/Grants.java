package io.bifrost.auth;

/**
 * What a participant may do in a room.
 *
 * <p>A token carries grants explicitly or takes them from its {@link Role}
 * ({@link Role#defaultGrants()}); in a token, each grant left out takes the role's value.
 *
 * @param canPublish     may send media (become an audible speaker)
 * @param canSubscribe   may receive media
 * @param canPublishData may send chat and data messages
 * @param roomAdmin      may moderate the room (mute, kick, promote, demote)
 * @param hidden         is not listed to the other participants (recorders, bots, moderators)
 */
public record Grants(boolean canPublish, boolean canSubscribe, boolean canPublishData, boolean roomAdmin,
                     boolean hidden) {
}
