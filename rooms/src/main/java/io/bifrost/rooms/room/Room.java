package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.cluster.Signal;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A room as a participant's session sees it once joined. Calls never wait: results come back
 * through callbacks, which may run on another thread than the caller's.
 */
public interface Room {

    String name();

    /** How the room carries media, fixed when the room is created. */
    RoomMode mode();

    /** Removes the participant if it is still here; leaving twice is harmless. */
    void leave(String participantId, LeaveReason reason);

    /**
     * Posts a chat message to everyone in the room.
     *
     * @param posted receives the message's {@code seq} once it is published
     * @param refused receives the reason when it was not posted
     */
    void chat(String from, String text, long timestamp, LongConsumer posted, Consumer<RoomException> refused);

    /**
     * Changes a participant's state: {@code by} raises its own hand, a room admin changes
     * someone's role, and so on (see {@link ParticipantChange} for who may do what).
     *
     * @param applied receives the {@code seq} of the update event, or -1 when nothing changed
     *     (or the participant is hidden, so nobody is told)
     * @param refused receives the reason when the change was not made
     */
    void update(String by, String target, ParticipantChange change, LongConsumer applied, Consumer<RoomException> refused);

    /**
     * Passes a signal to another participant of this room.
     *
     * @param done receives null when the signal was handed over, or the reason it was not
     */
    void relay(Signal signal, Consumer<RoomException> done);

    /**
     * The participant's session was resumed on another node: forget what this node holds for it,
     * without telling anyone (it did not leave).
     */
    void handedOver(String participantId);
}
