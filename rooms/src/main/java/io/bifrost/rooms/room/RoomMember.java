package io.bifrost.rooms.room;

import java.util.List;

/**
 * The side of a connection that a room talks to while joining. Both methods run on the room's
 * thread, so whatever {@code joined} queues for the client is queued before any later event of
 * the room.
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
}
