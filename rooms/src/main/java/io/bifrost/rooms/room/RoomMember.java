package io.bifrost.rooms.room;

import java.util.List;

/**
 * The side of a connection that a room talks to while joining or resuming. Each call runs on
 * the room's thread, or on a cluster client's thread; whatever {@code joined} queues for the
 * client is queued before the room's later events reach it.
 */
public interface RoomMember {

    /**
     * @param room the room joined: the one to send later requests to
     * @param self the participant as admitted
     * @param others the visible participants already in the room, in join order
     * @param seq the room's sequence number of this state; later events have a higher one
     */
    void joined(Room room, Participant self, List<Participant> others, long seq);

    void refused(RoomException reason);

    /**
     * The session was taken back: {@code self} is the participant as the room holds it.
     *
     * @param others the visible participants in the room now, in join order
     * @param seq the room's sequence number now: a client that says it applied a later one is wrong
     */
    void resumed(Room room, Participant self, List<Participant> others, long seq);

    /** The session cannot be resumed; {@code why} is for people. */
    void resumeRefused(String why);
}
