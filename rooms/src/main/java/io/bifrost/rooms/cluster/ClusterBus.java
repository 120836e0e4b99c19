package io.bifrost.rooms.cluster;

import io.bifrost.rooms.room.RoomEvent;
import java.util.function.Consumer;

/**
 * How the nodes that host a room's participants hear its events and pass signals to each
 * other. {@link LocalBus} is the single-node default; a cluster implementation carries the
 * same calls between nodes.
 */
public interface ClusterBus extends AutoCloseable {

    /**
     * Hands a room event to every subscriber of its room. Called on the room's thread, in
     * {@code seq} order; subscribers see the events of one room in that order.
     */
    void publish(RoomEvent event);

    /** Delivers the room's events published from now on to {@code listener}. */
    Subscription subscribe(String room, Consumer<RoomEvent> listener);

    /** Receives the signals addressed to {@code participantId}. */
    Subscription registerInbox(String participantId, Consumer<Signal> inbox);

    /**
     * Delivers a signal to its recipient's inbox.
     *
     * @return false when the recipient has no inbox (it left meanwhile)
     */
    boolean send(Signal signal);

    @Override
    void close();

    /** Ends a subscription or an inbox registration. Closing twice is harmless. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
