package io.bifrost.rooms.room;

/** A room refused a request; {@link Kind} tells the caller which error code to answer with. */
public final class RoomException extends Exception {

    public enum Kind { ROOM_FULL, DUPLICATE_IDENTITY, NOT_FOUND, FORBIDDEN, BAD_REQUEST, CONFLICT, INTERNAL }

    private final Kind kind;

    public RoomException(Kind kind, String message) {
        super(message, null, false, false); // an expected refusal, not a fault: no stack trace to fill
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
