package io.bifrost.android;

/**
 * What happens in a room, delivered on the client's callback executor (the main thread, for
 * an Android app that asks for it), one event at a time and in order. Every method does nothing
 * unless overridden.
 */
public interface RoomListener {

    default void onParticipantJoined(Room room, Participant participant) {}

    /** @param reason {@code left}, {@code disconnected}, {@code timeout}, {@code removed}… (see docs/protocol.md) */
    default void onParticipantLeft(Room room, Participant participant, String reason) {}

    /**
     * Someone's state changed, yours included ({@link Room#localParticipant()} is then the new state).
     *
     * @param change {@code hand}, {@code role}, {@code mute}, {@code publishing}, {@code permissions} or {@code metadata}
     */
    default void onParticipantUpdated(Room room, Participant participant, String change) {}

    default void onChat(Room room, ChatMessage message) {}

    /** The app's backend sent this participant a message ({@code from} is {@code server}). */
    default void onMessage(Room room, String from, String text, long timestamp) {}

    /** The connection dropped; attempt {@code attempt} (1-based) follows after {@code delayMillis}. */
    default void onReconnecting(Room room, int attempt, long delayMillis) {}

    /**
     * A reconnect succeeded. {@code resumed}: the server still held the session, so the same
     * participant goes on and the events missed meanwhile came, each once. {@code rejoined}: it
     * did not, so you are a new participant; who left meanwhile was reported with {@code unknown}.
     */
    default void onReconnected(Room room, String how) {}

    /**
     * The server sent a fresh join token before the current one expires. The room keeps it and
     * reconnects with it ({@link Room#token()}); keep it yourself only to join again after the
     * room ended.
     *
     * @param expiresAt the token's expiry, in milliseconds since the Unix epoch
     */
    default void onTokenRefreshed(Room room, String token, long expiresAt) {}

    /**
     * Audio from this participant started to arrive (again): in a mesh room once its call is up,
     * in a broadcast room once the SFU forwards it. Needs a {@code WebRtc}
     * ({@link BifrostClient.Builder#webRtc}).
     */
    default void onAudioReceived(Room room, Participant participant) {}

    /** Something failed without ending the room, such as an error answer nobody awaited. */
    default void onError(Room room, BifrostException error) {}

    /**
     * The room is over; the last event.
     *
     * @param reason {@code left} after {@link Room#leave()}, the server's reason when it ended the
     *     session ({@code removed}, {@code room-deleted}, {@code duplicate-identity},
     *     {@code server-shutdown}), {@code refused} (a reconnect's token was refused: fetch a new
     *     one), {@code reconnect-failed}, or {@code connection-lost} when reconnecting is off
     * @param error what went wrong, or null after a leave
     */
    default void onDisconnected(Room room, String reason, BifrostException error) {}
}
