package io.bifrost.rooms.room;

import io.bifrost.rooms.cluster.ClusterBus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** The rooms of this node. A room exists while it has participants. */
public final class Rooms {
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final ClusterBus bus;
    private final Executor pool;
    private final int capacity;

    /**
     * @param pool runs the rooms' tasks; rooms share it and each runs one task at a time
     * @param capacity the most participants one room admits
     */
    public Rooms(ClusterBus bus, Executor pool, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("room capacity must be at least 1, got " + capacity);
        }
        this.bus = bus;
        this.pool = pool;
        this.capacity = capacity;
    }

    /**
     * Admits a participant to a room, creating the room if needed. The member hears the outcome
     * on the room's thread.
     */
    public void join(String room, Participant participant, RoomMember member) {
        rooms.computeIfAbsent(room, name -> new Room(name, capacity, pool, bus, this)).join(participant, member);
    }

    /** A cheap early check, before a connection is upgraded; the room decides for real on join. */
    public boolean isFull(String room) {
        Room existing = rooms.get(room);
        return existing != null && existing.isFull();
    }

    public int count() {
        return rooms.size();
    }

    public int capacity() {
        return capacity;
    }

    void retire(Room room) {
        rooms.remove(room.name(), room);
    }
}
