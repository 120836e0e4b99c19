package io.bifrost.rooms.cluster;

import java.util.function.Consumer;

/**
 * How a node's sessions hear their rooms' events and the signals addressed to them, wherever
 * they were published. {@link LocalBus} is the single-node default; a cluster implementation
 * carries the same traffic between nodes.
 */
public interface ClusterBus extends AutoCloseable {

    /**
     * Delivers the room's events with a {@code seq} above {@code afterSeq} to the listener, in
     * order, each once: first those already published (from the room's history), then the new
     * ones as they come.
     */
    Subscription subscribe(String room, long afterSeq, RoomListener listener);

    /**
     * Receives the signals addressed to a participant connected to this node. A later
     * registration for the same participant (a resumed session) replaces this one.
     */
    Subscription registerInbox(String participantId, Consumer<Signal> inbox);

    /** Rooms with subscribers on this node. */
    int rooms();

    /** Whether the room has subscribers on this node. */
    boolean hasRoom(String room);

    @Override
    void close();

    /** Ends a subscription or an inbox registration. Closing twice is harmless. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
