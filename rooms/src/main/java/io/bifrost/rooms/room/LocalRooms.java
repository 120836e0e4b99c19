package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;

import io.bifrost.rooms.cluster.LocalBus;
import io.bifrost.rooms.hooks.HookSink;
import io.bifrost.rooms.hooks.RoomHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** Rooms in this node's memory: the single-node default. */
public final class LocalRooms implements Rooms {
    private final Map<String, LocalRoom> rooms = new ConcurrentHashMap<>();
    /** The rooms the app's backend created: they stay, empty or not, until it deletes them. */
    private final Map<String, RoomSettings> managed = new ConcurrentHashMap<>();
    private final LocalBus bus;
    private final Executor pool;
    private final int capacity;
    private final Emptied emptied;
    private final DuplicateIdentity duplicates;
    private final HookSink hooks;

    /**
     * @param pool runs the rooms' tasks; rooms share it and each runs one task at a time
     * @param capacity the most participants one room admits
     */
    public LocalRooms(LocalBus bus, Executor pool, int capacity) {
        this(bus, pool, capacity, Emptied.NONE);
    }

    /** @param emptied hears of each room whose last participant left, on the room's thread */
    public LocalRooms(LocalBus bus, Executor pool, int capacity, Emptied emptied) {
        this(bus, pool, capacity, DuplicateIdentity.ALLOW, emptied);
    }

    /** @param duplicates what a room does when an identity already in it joins again */
    public LocalRooms(LocalBus bus, Executor pool, int capacity, DuplicateIdentity duplicates, Emptied emptied) {
        this(bus, pool, capacity, duplicates, emptied, HookSink.NONE);
    }

    /** @param hooks records what happens in the rooms for webhooks */
    public LocalRooms(LocalBus bus, Executor pool, int capacity, DuplicateIdentity duplicates, Emptied emptied,
                      HookSink hooks) {
        if (capacity < 1) {
            throw new IllegalArgumentException("room capacity must be at least 1, got " + capacity);
        }
        this.bus = bus;
        this.pool = pool;
        this.capacity = capacity;
        this.emptied = emptied;
        this.duplicates = duplicates;
        this.hooks = hooks;
    }

    /** The member hears the outcome on the room's thread. */
    @Override
    public void join(String room, Participant participant, String sessionId, RoomMode mode, RoomMember member) {
        rooms.computeIfAbsent(room, name -> open(name, mode)).join(participant, sessionId, mode, member);
    }

    /** A room as a join finds it: set up as the backend created it, or with the defaults. */
    private LocalRoom open(String name, RoomMode mode) {
        RoomSettings settings = managed.get(name);
        return settings == null
                ? new LocalRoom(name, mode, capacity, duplicates, pool, bus, this, hooks)
                : new LocalRoom(name, settings.mode(), settings.capacity(), duplicates, pool, bus, this, hooks);
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
    public CompletionStage<List<RoomInfo>> list() {
        Set<String> names = new TreeSet<>(rooms.keySet());
        names.addAll(managed.keySet());
        List<RoomInfo> infos = new ArrayList<>(names.size());
        for (String name : names) {
            RoomInfo info = infoNow(name);
            if (info != null) {
                infos.add(info);
            }
        }
        return CompletableFuture.completedFuture(infos);
    }

    @Override
    public CompletionStage<Optional<RoomInfo>> info(String room) {
        return CompletableFuture.completedFuture(Optional.ofNullable(infoNow(room)));
    }

    private RoomInfo infoNow(String name) {
        RoomSettings settings = managed.get(name);
        LocalRoom room = rooms.get(name);
        if (room != null) {
            return new RoomInfo(name, room.mode(), room.capacity(), settings == null ? "" : settings.metadata(), room.size(),
                    settings != null);
        }
        return settings == null ? null : new RoomInfo(name, settings.mode(), settings.capacity(), settings.metadata(), 0, true);
    }

    @Override
    public CompletionStage<RoomInfo> create(String room, RoomSettings settings) {
        if (rooms.containsKey(room) || managed.putIfAbsent(room, settings) != null) {
            return CompletableFuture.failedFuture(new RoomException(RoomException.Kind.CONFLICT, "room " + room + " exists"));
        }
        hooks.add(room, new RoomHook.Started(settings.mode()));
        return CompletableFuture.completedFuture(infoNow(room));
    }

    @Override
    public CompletionStage<Void> delete(String room) {
        boolean wasManaged = managed.remove(room) != null;
        LocalRoom open = rooms.get(room);
        if (open == null) {
            if (!wasManaged) {
                return notFound(room);
            }
            hooks.add(room, new RoomHook.Finished());
            return CompletableFuture.completedFuture(null);
        }
        return open.ask(() -> {
            open.evictAll(LeaveReason.ROOM_DELETED);
            return null;
        });
    }

    @Override
    public CompletionStage<List<Participant>> participants(String room) {
        LocalRoom open = rooms.get(room);
        if (open == null) {
            return managed.containsKey(room) ? CompletableFuture.completedFuture(List.of()) : notFound(room);
        }
        return open.ask(open::members);
    }

    @Override
    public CompletionStage<Participant> remove(String room, String participantId) {
        LocalRoom open = rooms.get(room);
        return open == null ? noParticipant(room, participantId)
                : open.ask(() -> open.evictOrRefuse(participantId, LeaveReason.REMOVED));
    }

    @Override
    public CompletionStage<Participant> change(String room, String participantId, ParticipantChange change) {
        LocalRoom open = rooms.get(room);
        return open == null ? noParticipant(room, participantId) : open.ask(() -> open.changeByServer(participantId, change));
    }

    @Override
    public CompletionStage<Long> post(String room, String text, long timestamp) {
        LocalRoom open = rooms.get(room);
        if (open == null) {
            return managed.containsKey(room)
                    ? CompletableFuture.failedFuture(new RoomException(RoomException.Kind.CONFLICT, "room " + room + " is empty"))
                    : notFound(room);
        }
        return open.ask(() -> open.postByServer(text, timestamp));
    }

    @Override
    public CompletionStage<Void> message(String room, String participantId, String text) {
        LocalRoom open = rooms.get(room);
        return open == null ? noParticipant(room, participantId) : open.ask(() -> open.messageByServer(participantId, text));
    }

    private static <T> CompletionStage<T> notFound(String room) {
        return CompletableFuture.failedFuture(new RoomException(RoomException.Kind.NOT_FOUND, "no room " + room));
    }

    private static <T> CompletionStage<T> noParticipant(String room, String participantId) {
        return CompletableFuture.failedFuture(new RoomException(RoomException.Kind.NOT_FOUND,
                "no participant " + participantId + " in room " + room));
    }

    @Override
    public void close() {
        rooms.clear();
    }

    /** Whether the backend created the room, which then outlives its participants. */
    boolean managed(String room) {
        return managed.containsKey(room);
    }

    void retire(LocalRoom room) {
        if (rooms.remove(room.name(), room)) {
            emptied.emptied(room.name(), room.mode());
        }
    }
}
