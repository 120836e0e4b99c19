package io.bifrost.rooms.cluster;

import io.bifrost.rooms.room.RoomEvent;

/** Receives one room's events from the bus, in {@code seq} order, each once. */
public interface RoomListener {

    /**
     * Called once, before any event: {@code complete} is false when some of the events asked for
     * are no longer kept, and then no event follows.
     */
    default void ready(boolean complete) {}

    /** Must not block: queue and return. */
    void event(RoomEvent event);

    /**
     * A run of events ended. A listener may hold back what the run's events queued, so that
     * a burst leaves in one write, and must let it go now; nothing else would.
     */
    default void flush() {}
}
