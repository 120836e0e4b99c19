package io.bifrost.rooms.room;

/**
 * Something that happened in a room, in room order. {@code seq} grows by one per event of a
 * room, so a receiver that sees a gap knows it lost an event.
 */
public sealed interface RoomEvent {
    String room();

    long seq();

    record ParticipantJoined(String room, long seq, Participant participant) implements RoomEvent {}

    record ParticipantLeft(String room, long seq, String participantId, LeaveReason reason) implements RoomEvent {}

    record ChatPosted(String room, long seq, String from, String text, long timestamp) implements RoomEvent {}

    /** A participant's state changed: {@code participant} is the new state, {@code change} what changed. */
    record ParticipantUpdated(String room, long seq, Participant participant, String change) implements RoomEvent {}
}
