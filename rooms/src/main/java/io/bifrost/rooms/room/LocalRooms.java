package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;

import io.bifrost.rooms.cluster.LocalBus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** Rooms in this node's memory: the single-node default. */
public final class LocalRooms implements Rooms {
    private final Map<String, LocalRoom> rooms = new ConcurrentHashMap<>();
    private final LocalBus bus;
    private final Executor pool;
    private final int capacity;
    private final Emptied emptied;

    /**
     * @param pool runs the rooms' tasks; rooms share it and each runs one task at a time
     * @param capacity the most participants one room admits
     */
    public LocalRooms(LocalBus bus, Executor pool, int capacity) {
        this(bus, pool, capacity, Emptied.NONE);
    }

    /** @param emptied hears of each room whose last participant left, on the room's thread */
    public LocalRooms(LocalBus bus, Executor pool, int capacity, Emptied emptied) {
        if (capacity < 1) {
            throw new IllegalArgumentException("room capacity must be at least 1, got " + capacity);
        }
        this.bus = bus;
        this.pool = pool;
        this.capacity = capacity;
        this.emptied = emptied;
    }

    /** The member hears the outcome on the room's thread. */
    @Override
    public void join(String room, Participant participant, String sessionId, RoomMode mode, RoomMember member) {
        rooms.computeIfAbsent(room, name -> new LocalRoom(name, mode, capacity, pool, bus, this))
                .join(participant, sessionId, mode, member);
    }

    @Override
    public void resume(String room, String sessionId, String identity, RoomMember member) {
        LocalRoom existing = rooms.get(room);
        if (existing == null) {
            member.resumeRefused("room " + room + " no longer exists");
            return;
        }
        existing.resume(sessionId, identity, member);
    }

    @Override
    public boolean isFull(String room) {
        LocalRoom existing = rooms.get(room);
        return existing != null && existing.isFull();
    }

    public int count() {
        return rooms.size();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void close() {
        rooms.clear();
    }

    void retire(LocalRoom room) {
        if (rooms.remove(room.name(), room)) {
            emptied.emptied(room.name(), room.mode());
        }
    }
}
