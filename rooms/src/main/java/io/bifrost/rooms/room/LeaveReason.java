package io.bifrost.rooms.room;

/** Why a participant left a room; the wire name is what other participants see. */
public enum LeaveReason {
    /** The client asked to leave or closed its connection cleanly. */
    LEFT("left"),
    /** The connection failed. */
    DISCONNECTED("disconnected"),
    /** Nothing was heard from the client for the ping timeout. */
    TIMEOUT("timeout"),
    /** The client stopped reading and its outbound queue overflowed. */
    SLOW_CONSUMER("slow-consumer"),
    /** The node is shutting down. */
    SERVER_SHUTDOWN("server-shutdown"),
    /** The node that held the participant's connection died. */
    NODE_FAILURE("node-failure"),
    /** The app's backend removed the participant (REST API). */
    REMOVED("removed"),
    /** The same identity joined the room again and the newer connection took its place. */
    DUPLICATE_IDENTITY("duplicate-identity"),
    /** The app's backend deleted the room (REST API). */
    ROOM_DELETED("room-deleted");

    private final String wireName;

    LeaveReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException for a name no reason has */
    public static LeaveReason fromWire(String name) {
        for (LeaveReason reason : values()) {
            if (reason.wireName.equals(name)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("unknown leave reason '" + name + "'");
    }
}
