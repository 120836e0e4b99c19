package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;

/**
 * Where rooms live: {@link LocalRooms} in this node's memory, or a cluster implementation
 * shared by every node. A room exists while it has participants.
 */
public interface Rooms extends AutoCloseable {

    /**
     * Admits a participant to a room, creating the room if needed.
     *
     * @param sessionId the session a client may later resume with
     * @param mode the room's mode if this join creates the room; an existing room keeps its own
     * @param member hears the outcome: {@code joined} or {@code refused}
     */
    void join(String room, Participant participant, String sessionId, RoomMode mode, RoomMember member);

    /**
     * Takes a participant back after its connection dropped: it keeps its id and nobody saw it
     * leave. Refused when the session is unknown (expired, left, never existed) or belongs to
     * another identity.
     *
     * @param member hears the outcome: {@code resumed} or {@code resumeRefused}
     */
    void resume(String room, String sessionId, String identity, RoomMember member);

    /** A cheap early check, before a connection is upgraded; the room decides for real on join. */
    boolean isFull(String room);

    /** The most participants one room admits. */
    int capacity();

    @Override
    void close();

    /**
     * Hears that a room's last participant left, once per time the room empties, on the node
     * that removed it: what a room held outside Bifrost (an SFU's broadcast) can go.
     */
    @FunctionalInterface
    interface Emptied {
        Emptied NONE = (room, mode) -> { };

        /** Must not block. */
        void emptied(String room, RoomMode mode);
    }
}
