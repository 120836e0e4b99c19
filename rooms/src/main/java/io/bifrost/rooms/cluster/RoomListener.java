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
}
