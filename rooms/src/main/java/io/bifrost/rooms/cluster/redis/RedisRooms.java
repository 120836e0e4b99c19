package io.bifrost.rooms.cluster.redis;

import io.bifrost.rooms.cluster.RoomFeed;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.room.DuplicateIdentity;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.rooms.room.Room;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.rooms.room.RoomException;
import io.bifrost.rooms.room.RoomMember;
import io.bifrost.rooms.room.Rooms;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.bifrost.rooms.room.RoomInfo;
import io.bifrost.rooms.room.RoomSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rooms kept in Redis, shared by every node: membership, sessions and {@code seq} change
 * together in one script per operation (see {@link RoomScripts}), so any node can admit, list,
 * resume or remove any room's participants. Results come back on Lettuce's threads.
 */
public final class RedisRooms implements Rooms {
    private static final Logger log = LoggerFactory.getLogger(RedisRooms.class);

    private final RedisStreamsBus bus;
    private final int capacity;
    private final Emptied emptied;
    private final DuplicateIdentity duplicates;
    private final EventCodec codec;
    private final RedisHookQueue hooks; // null when the cluster sends no webhooks
    /** How long a stopping node waits for its last room scripts (the leaves of its sessions) to be answered. */
    private static final long CLOSE_WAIT_MILLIS = 3000;
    /** A listed room that no longer exists is dropped from the list once nobody touched it for this long. */
    private static final long STALE_ROOM_MILLIS = 60_000;

    /** Room scripts sent and not yet answered and handled. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The participants connected to this node, by room: for permission checks and the node's room list. */
    private final Map<String, Map<String, Participant>> local = new ConcurrentHashMap<>();

    public RedisRooms(RedisStreamsBus bus, int capacity) {
        this(bus, capacity, Emptied.NONE);
    }

    /** @param emptied hears of each room whose last participant this node removed, on Lettuce's threads */
    public RedisRooms(RedisStreamsBus bus, int capacity, Emptied emptied) {
        this(bus, capacity, DuplicateIdentity.ALLOW, emptied);
    }

    /** @param duplicates what a room does when an identity already in it joins again */
    public RedisRooms(RedisStreamsBus bus, int capacity, DuplicateIdentity duplicates, Emptied emptied) {
        this(bus, capacity, duplicates, emptied, null);
    }

    /** @param hooks where the rooms' hooks are queued for webhooks, or null when the cluster sends none */
    public RedisRooms(RedisStreamsBus bus, int capacity, DuplicateIdentity duplicates, Emptied emptied,
                      RedisHookQueue hooks) {
        if (capacity < 1) {
            throw new IllegalArgumentException("room capacity must be at least 1, got " + capacity);
        }
        this.bus = bus;
        this.capacity = capacity;
        this.emptied = emptied;
        this.duplicates = duplicates;
        this.codec = bus.codec();
        this.hooks = hooks;
        bus.link().load(RoomScripts.ALL);
    }

    @Override
    public void join(String room, Participant participant, String sessionId, RoomMode mode, RoomMember member) {
        RoomFeed feed = bus.hold(room); // events that overtake the join's answer wait in the feed
        bus.redis().sadd(Keys.nodeRooms(bus.nodeId()), room);
        bus.redis().zadd(Keys.ROOMS, System.currentTimeMillis(), room);
        String hidden = participant.hidden() ? "1" : "0";
        String joinedJson = codec.encode(new RoomEvent.ParticipantJoined(room, 0, participant));
        whenDone(this.<List<Object>>runHooked(RoomScripts.JOIN, ScriptOutputType.MULTI, room,
                participant.id(), sessionId, bus.nodeId(), codec.encode(participant), Integer.toString(capacity), hidden,
                joinedJson, Long.toString(bus.streamCap()), mode.wireName(), duplicates.wireName(), participant.identity()),
                (result, failure) -> {
            try {
                if (failure != null) {
                    log.error("{}: joining {} failed in Redis", room, participant.id(), failure);
                    member.refused(new RoomException(RoomException.Kind.INTERNAL, "rooms are unavailable; try again"));
                    return;
                }
                long seq = (Long) result.get(0);
                if (seq == -2) {
                    member.refused(new RoomException(RoomException.Kind.DUPLICATE_IDENTITY,
                            "identity " + participant.identity() + " is already in room " + room));
                    return;
                }
                if (seq < 0) {
                    member.refused(new RoomException(RoomException.Kind.ROOM_FULL,
                            "room " + room + " is full (" + capacity + " participants)"));
                    return;
                }
                replaced(room, (List<?>) result.get(4), (List<?>) result.get(1));
                remember(room, participant);
                if (!participant.hidden()) {
                    bus.fanOut(new RoomEvent.ParticipantJoined(room, seq, participant), joinedJson, (List<?>) result.get(1));
                }
                member.joined(new RedisRoom(room, RoomMode.fromWire((String) result.get(3))), participant,
                        visible(result.get(2)), seq);
            } catch (RuntimeException e) {
                log.error("{}: handling the join of {} failed", room, participant.id(), e);
            } finally {
                bus.release(room, feed);
            }
        });
    }

    /**
     * The join took the place of a participant with the same identity: the room hears it leave
     * (before the join), and its session, wherever it is, is told why.
     *
     * @param replaced empty, or the replaced participant's id, node, leave seq (-1 if hidden) and leave event
     */
    private void replaced(String room, List<?> replaced, List<?> nodes) {
        if (replaced.isEmpty()) {
            return;
        }
        String id = (String) replaced.get(0);
        String node = (String) replaced.get(1);
        long seq = (Long) replaced.get(2);
        if (seq > 0) {
            List<Object> to = new ArrayList<>(nodes);
            if (!to.contains(node)) {
                to.add(node);
            }
            bus.fanOut(codec.decode(room, seq, (String) replaced.get(3)), (String) replaced.get(3), to);
        }
        tellRemoved(room, id, node, LeaveReason.DUPLICATE_IDENTITY); // its session's leave then forgets it here
    }

    @Override
    public void resume(String room, String sessionId, String identity, RoomMember member) {
        RoomFeed feed = bus.hold(room);
        bus.redis().sadd(Keys.nodeRooms(bus.nodeId()), room);
        whenDone(RoomScripts.RESUME.<List<Object>>run(bus.redis(), ScriptOutputType.MULTI, Keys.roomKeys(room),
                sessionId, identity, bus.nodeId()), (result, failure) -> {
            try {
                if (failure != null) {
                    log.error("{}: resuming session {} failed in Redis", room, sessionId, failure);
                    member.resumeRefused("rooms are unavailable");
                } else if (result.isEmpty()) {
                    member.resumeRefused("no session " + sessionId + " of " + identity + " in room " + room);
                } else {
                    Participant self = codec.participant((String) result.get(1));
                    String oldNode = (String) result.get(2);
                    remember(room, self);
                    // A node new to the room starts its feed where the room stands, so that the
                    // events the client missed are read back from the room's stream.
                    long seq = (Long) result.get(3);
                    feed.startAt(seq);
                    List<Participant> others = visible(result.get(5));
                    others.removeIf(p -> p.id().equals(self.id()));
                    member.resumed(new RedisRoom(room, RoomMode.fromWire((String) result.get(4))), self, others, seq);
                    if (!oldNode.equals(bus.nodeId())) {
                        // The old node still holds the session: tell it to let go and pass on what it kept.
                        bus.send(oldNode, new Signal(room, self.id(), self.id(), Signal.Kind.HANDOVER, sessionId), 0);
                    }
                }
            } catch (RuntimeException e) {
                log.error("{}: handling the resume of session {} failed", room, sessionId, e);
            } finally {
                bus.release(room, feed);
            }
        });
    }

    /** Removes every participant a dead node held, in every room it held some; each leaves with {@code node-failure}. */
    CompletionStage<?> reap(String deadNode, String room) {
        return this.<List<Object>>runHooked(RoomScripts.REAP, ScriptOutputType.MULTI, room,
                deadNode, Long.toString(bus.streamCap())).thenAccept(result -> {
            List<?> nodes = (List<?>) result.get(0);
            reportEmptied(room, (String) result.get(1));
            for (int i = 2; i + 1 < result.size(); i += 2) {
                long seq = (Long) result.get(i);
                String json = (String) result.get(i + 1);
                RoomEvent event = codec.decode(room, seq, json);
                log.info("{}: {} left with its node {}", room, ((RoomEvent.ParticipantLeft) event).participantId(), deadNode);
                bus.fanOut(event, json, nodes);
            }
        });
    }

    /** @param mode the mode of the room the script emptied (and deleted), or empty when it still has members */
    private void reportEmptied(String room, String mode) {
        if (!mode.isEmpty()) {
            emptied.emptied(room, RoomMode.fromWire(mode));
        }
    }

    @Override
    public boolean isFull(String room) {
        return false; // the join script decides; asking Redis before every upgrade would double the round trips
    }

    @Override
    public int capacity() {
        return capacity;
    }

    // ------------------------------------------------------------------ the app's backend

    @Override
    public CompletionStage<List<RoomInfo>> list() {
        return bus.redis().zrangeWithScores(Keys.ROOMS, 0, -1).thenCompose(entries -> {
            List<CompletableFuture<Optional<RoomInfo>>> infos = new ArrayList<>(entries.size());
            long staleBefore = System.currentTimeMillis() - STALE_ROOM_MILLIS;
            for (ScoredValue<String> entry : entries) {
                String room = entry.getValue();
                infos.add(info(room).thenApply(found -> {
                    if (found.isEmpty() && entry.getScore() < staleBefore) {
                        bus.redis().zrem(Keys.ROOMS, room); // long gone; a join in progress would have touched it
                    }
                    return found;
                }).toCompletableFuture());
            }
            return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<RoomInfo> rooms = new ArrayList<>(infos.size());
                for (CompletableFuture<Optional<RoomInfo>> info : infos) {
                    info.join().ifPresent(rooms::add);
                }
                rooms.sort(Comparator.comparing(RoomInfo::name));
                return rooms;
            });
        });
    }

    @Override
    public CompletionStage<Optional<RoomInfo>> info(String room) {
        return RoomScripts.INFO.<List<Object>>run(bus.redis(), ScriptOutputType.MULTI, Keys.roomKeys(room)).thenApply(result -> {
            if ((Long) result.get(0) == 0) {
                return Optional.empty();
            }
            Map<String, String> settings = new HashMap<>();
            List<?> pairs = (List<?>) result.get(3);
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                settings.put((String) pairs.get(i), (String) pairs.get(i + 1));
            }
            String mode = (String) result.get(2);
            boolean managed = !settings.isEmpty();
            return Optional.of(new RoomInfo(room,
                    RoomMode.fromWire(managed ? settings.get("mode") : mode),
                    managed ? Integer.parseInt(settings.get("capacity")) : capacity,
                    settings.getOrDefault("metadata", ""),
                    ((Long) result.get(1)).intValue(), managed));
        });
    }

    @Override
    public CompletionStage<RoomInfo> create(String room, RoomSettings settings) {
        bus.redis().zadd(Keys.ROOMS, System.currentTimeMillis(), room);
        return this.<Long>runHooked(RoomScripts.CREATE, ScriptOutputType.INTEGER, room,
                settings.mode().wireName(), Integer.toString(settings.capacity()), settings.metadata()).thenCompose(created -> {
            if (created == 0) {
                return CompletableFuture.failedFuture(new RoomException(RoomException.Kind.CONFLICT, "room " + room + " exists"));
            }
            return CompletableFuture.completedFuture(new RoomInfo(room, settings.mode(), settings.capacity(),
                    settings.metadata(), 0, true));
        });
    }

    @Override
    public CompletionStage<Void> delete(String room) {
        return this.<List<Object>>runHooked(RoomScripts.DELETE, ScriptOutputType.MULTI, room,
                Long.toString(bus.streamCap())).thenCompose(result -> {
            if ((Long) result.get(0) == 0) {
                return CompletableFuture.failedFuture(noRoom(room));
            }
            List<?> nodes = (List<?>) result.get(1);
            for (int i = 3; i + 3 < result.size(); i += 4) {
                long seq = (Long) result.get(i + 2);
                if (seq > 0) {
                    RoomEvent left = codec.decode(room, seq, (String) result.get(i + 3));
                    bus.fanOut(left, (String) result.get(i + 3), nodes);
                }
                tellRemoved(room, (String) result.get(i), (String) result.get(i + 1), LeaveReason.ROOM_DELETED);
            }
            reportEmptied(room, (String) result.get(2));
            return CompletableFuture.completedFuture((Void) null);
        });
    }

    @Override
    public CompletionStage<List<Participant>> participants(String room) {
        return RoomScripts.MEMBERS.<List<Object>>run(bus.redis(), ScriptOutputType.MULTI, Keys.roomKeys(room)).thenCompose(result -> {
            if ((Long) result.get(0) == 0) {
                return CompletableFuture.failedFuture(noRoom(room));
            }
            return CompletableFuture.completedFuture(inJoinOrder(result.get(1), true));
        });
    }

    @Override
    public CompletionStage<Participant> remove(String room, String participantId) {
        return this.<List<Object>>runHooked(RoomScripts.LEAVE, ScriptOutputType.MULTI, room,
                participantId, LeaveReason.REMOVED.wireName(), Long.toString(bus.streamCap())).thenCompose(result -> {
            if (result.isEmpty()) {
                return CompletableFuture.failedFuture(noParticipant(room, participantId));
            }
            long seq = (Long) result.get(0);
            if (seq > 0) {
                RoomEvent left = new RoomEvent.ParticipantLeft(room, seq, participantId, LeaveReason.REMOVED);
                bus.fanOut(left, codec.encode(left), (List<?>) result.get(1));
            }
            tellRemoved(room, participantId, (String) result.get(3), LeaveReason.REMOVED);
            reportEmptied(room, (String) result.get(2));
            return CompletableFuture.completedFuture(codec.participant((String) result.get(4)));
        });
    }

    /** The session of a removed participant, wherever it is, hears why and closes. */
    private void tellRemoved(String room, String participantId, String node, LeaveReason reason) {
        bus.send(node, new Signal(room, participantId, participantId, Signal.Kind.REMOVED, reason.wireName()), 0);
    }

    @Override
    public CompletionStage<Participant> change(String room, String participantId, ParticipantChange change) {
        if (change.selfOnly()) {
            return CompletableFuture.failedFuture(new RoomException(RoomException.Kind.FORBIDDEN,
                    "the " + change.wireName() + " of participant " + participantId + " cannot be changed this way"));
        }
        return this.<List<Object>>runHooked(RoomScripts.UPDATE, ScriptOutputType.MULTI, room,
                "", participantId, change.wireName(), scriptValue(change), scriptGrants(change),
                Long.toString(bus.streamCap())).thenCompose(result -> {
            String verdict = (String) result.get(0);
            if (verdict.equals("not-found")) {
                return CompletableFuture.failedFuture(noParticipant(room, participantId));
            }
            if (verdict.equals("ok")) {
                Participant after = codec.participant((String) result.get(2));
                RoomEvent.ParticipantUpdated event = new RoomEvent.ParticipantUpdated(room, (Long) result.get(1), after,
                        change.wireName());
                bus.fanOut(event, codec.encode(event), (List<?>) result.get(3));
                return CompletableFuture.completedFuture(after);
            }
            return CompletableFuture.completedFuture(codec.participant((String) result.get(1))); // same, or hidden
        });
    }

    @Override
    public CompletionStage<Long> post(String room, String text, long timestamp) {
        RoomEvent.ChatPosted unsequenced = new RoomEvent.ChatPosted(room, 0, SERVER, text, timestamp);
        String json = codec.encode(unsequenced);
        return RoomScripts.APPEND.<List<Object>>run(bus.redis(), ScriptOutputType.MULTI, Keys.roomKeys(room),
                "", json, Long.toString(bus.streamCap())).thenCompose(result -> {
            long seq = (Long) result.get(0);
            if (seq < 0) {
                return info(room).thenCompose(found -> CompletableFuture.failedFuture(found.isPresent()
                        ? new RoomException(RoomException.Kind.CONFLICT, "room " + room + " is empty")
                        : noRoom(room)));
            }
            bus.fanOut(new RoomEvent.ChatPosted(room, seq, SERVER, text, timestamp), json, (List<?>) result.get(1));
            return CompletableFuture.completedFuture(seq);
        });
    }

    @Override
    public CompletionStage<Void> message(String room, String participantId, String text) {
        return bus.deliver(new Signal(room, SERVER, participantId, Signal.Kind.DATA, text)).thenCompose(refusal ->
                refusal == null ? CompletableFuture.completedFuture((Void) null) : CompletableFuture.failedFuture(refusal));
    }

    private static RoomException noRoom(String room) {
        return new RoomException(RoomException.Kind.NOT_FOUND, "no room " + room);
    }

    private static RoomException noParticipant(String room, String participantId) {
        return new RoomException(RoomException.Kind.NOT_FOUND, "no participant " + participantId + " in room " + room);
    }

    /** Waits a little for the scripts in flight, so that the leaves of a stopping node's sessions are written. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + CLOSE_WAIT_MILLIS * 1_000_000L;
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        local.clear();
    }

    /**
     * Runs a room script that may record hooks: with the hooks key when the cluster sends
     * webhooks, and then tells the hook queue that the room may have some.
     */
    private <T> CompletionStage<T> runHooked(Script script, ScriptOutputType type, String room, String... args) {
        if (hooks == null) {
            return script.run(bus.redis(), type, Keys.roomKeys(room), args);
        }
        return script.<T>run(bus.redis(), type, Keys.roomKeysWithHooks(room), args).whenComplete((result, failure) -> {
            if (failure == null) {
                hooks.written(room);
            }
        });
    }

    /** Runs {@code then} when the script answered, counting it in flight until {@code then} returned. */
    private <T> void whenDone(CompletionStage<T> script, BiConsumer<T, Throwable> then) {
        inFlight.incrementAndGet();
        script.whenComplete((result, failure) -> {
            try {
                then.accept(result, failure);
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    private void remember(String room, Participant participant) {
        local.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).put(participant.id(), participant);
    }

    private void forget(String room, String participantId) {
        local.computeIfPresent(room, (r, members) -> {
            members.remove(participantId);
            if (members.isEmpty()) {
                bus.redis().srem(Keys.nodeRooms(bus.nodeId()), room);
                return null;
            }
            return members;
        });
    }

    private Participant localParticipant(String room, String participantId) {
        Map<String, Participant> members = local.get(room);
        return members == null ? null : members.get(participantId);
    }

    private List<Participant> visible(Object members) {
        return inJoinOrder(members, false);
    }

    private List<Participant> inJoinOrder(Object members, boolean withHidden) {
        record Member(long joinSeq, Participant participant) {}
        List<Member> found = new ArrayList<>();
        for (Object json : (List<?>) members) {
            Participant p = codec.participant((String) json);
            if (withHidden || !p.hidden()) {
                found.add(new Member(codec.joinSeq((String) json), p));
            }
        }
        found.sort(Comparator.comparingLong(Member::joinSeq));
        List<Participant> visible = new ArrayList<>(found.size());
        for (Member m : found) {
            visible.add(m.participant());
        }
        return visible;
    }

    /** The UPDATE script's grants argument: a role's grants, or the new permissions. */
    private String scriptGrants(ParticipantChange change) {
        if (change instanceof ParticipantChange.RoleChanged role) {
            return codec.encode(role.role().defaultGrants());
        }
        return change instanceof ParticipantChange.PermissionsChanged permissions ? codec.encode(permissions.grants()) : "";
    }

    /** The UPDATE script's value argument: the new role, the metadata, or '1'/'0' for a flag. */
    private static String scriptValue(ParticipantChange change) {
        boolean on;
        if (change instanceof ParticipantChange.RoleChanged role) {
            return role.role().wireName();
        } else if (change instanceof ParticipantChange.MetadataChanged metadata) {
            return metadata.metadata();
        } else if (change instanceof ParticipantChange.PermissionsChanged) {
            return "";
        } else if (change instanceof ParticipantChange.HandRaised hand) {
            on = hand.raised();
        } else if (change instanceof ParticipantChange.Muted muted) {
            on = muted.muted();
        } else {
            on = ((ParticipantChange.Publishing) change).publishing();
        }
        return on ? "1" : "0";
    }

    /** One room as a session on this node uses it. */
    private final class RedisRoom implements Room {
        private final String name;
        private final RoomMode mode;

        RedisRoom(String name, RoomMode mode) {
            this.name = name;
            this.mode = mode;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public RoomMode mode() {
            return mode;
        }

        @Override
        public void leave(String participantId, LeaveReason reason) {
            forget(name, participantId);
            whenDone(RedisRooms.this.<List<Object>>runHooked(RoomScripts.LEAVE, ScriptOutputType.MULTI, name,
                    participantId, reason.wireName(), Long.toString(bus.streamCap())), (result, failure) -> {
                if (failure != null) {
                    log.error("{}: {} could not leave in Redis; its node's failure will remove it", name, participantId, failure);
                } else if (!result.isEmpty()) {
                    if ((Long) result.get(0) > 0) {
                        RoomEvent left = new RoomEvent.ParticipantLeft(name, (Long) result.get(0), participantId, reason);
                        bus.fanOut(left, codec.encode(left), (List<?>) result.get(1));
                    }
                    reportEmptied(name, (String) result.get(2));
                }
            });
        }

        @Override
        public void chat(String from, String text, long timestamp, LongConsumer posted, Consumer<RoomException> refused) {
            // The script checks the sender's grants: a role changed on another node is already there.
            String json = codec.encode(new RoomEvent.ChatPosted(name, 0, from, text, timestamp));
            whenDone(RoomScripts.APPEND.<List<Object>>run(bus.redis(), ScriptOutputType.MULTI, Keys.roomKeys(name),
                    from, json, Long.toString(bus.streamCap())), (result, failure) -> {
                if (failure != null) {
                    log.error("{}: a chat message from {} could not be posted", name, from, failure);
                    refused.accept(new RoomException(RoomException.Kind.INTERNAL, "the message could not be posted"));
                    return;
                }
                long seq = (Long) result.get(0);
                if (seq < 0) {
                    refused.accept(forbidden(from, "post chat messages"));
                    return;
                }
                bus.fanOut(new RoomEvent.ChatPosted(name, seq, from, text, timestamp), json, (List<?>) result.get(1));
                posted.accept(seq);
            });
        }

        @Override
        public void update(String by, String target, ParticipantChange change, LongConsumer applied,
                           Consumer<RoomException> refused) {
            String grants = scriptGrants(change);
            whenDone(RedisRooms.this.<List<Object>>runHooked(RoomScripts.UPDATE, ScriptOutputType.MULTI, name,
                    by, target, change.wireName(), scriptValue(change), grants, Long.toString(bus.streamCap())), (result, failure) -> {
                if (failure != null) {
                    log.error("{}: changing the {} of {} failed in Redis", name, change.wireName(), target, failure);
                    refused.accept(new RoomException(RoomException.Kind.INTERNAL, "the change could not be made; try again"));
                    return;
                }
                switch ((String) result.get(0)) {
                    case "ok" -> {
                        long seq = (Long) result.get(1);
                        Participant after = codec.participant((String) result.get(2));
                        if (localParticipant(name, target) != null) {
                            remember(name, after);
                        }
                        RoomEvent.ParticipantUpdated event = new RoomEvent.ParticipantUpdated(name, seq, after, change.wireName());
                        bus.fanOut(event, codec.encode(event), (List<?>) result.get(3));
                        applied.accept(seq);
                    }
                    case "same", "hidden" -> applied.accept(-1);
                    case "not-found" -> refused.accept(new RoomException(RoomException.Kind.NOT_FOUND,
                            "no participant " + result.get(1) + " in room " + name));
                    default -> refused.accept(forbiddenChange(change, by, target, (String) result.get(1)));
                }
            });
        }

        @Override
        public void relay(Signal signal, Consumer<RoomException> done) {
            // The sender is not local when a handed-over session passes on the signals it held;
            // the route script still checks that the sender is in the room.
            Participant sender = localParticipant(name, signal.from());
            if (sender != null && !sender.maySignal()) {
                done.accept(forbidden(signal.from(), "send media signals"));
                return;
            }
            if (signal.to().equals(signal.from())) {
                done.accept(new RoomException(RoomException.Kind.NOT_FOUND, "a participant cannot signal itself"));
                return;
            }
            bus.relay(signal).whenComplete((refusal, failure) -> {
                if (failure != null) {
                    log.error("{}: relaying a signal from {} to {} failed", name, signal.from(), signal.to(), failure);
                    done.accept(new RoomException(RoomException.Kind.INTERNAL, "the signal could not be relayed"));
                } else {
                    done.accept(refusal);
                }
            });
        }

        @Override
        public void handedOver(String participantId) {
            forget(name, participantId);
        }

        private RoomException forbiddenChange(ParticipantChange change, String by, String target, String why) {
            String message = switch (why) {
                case "publish" -> "participant " + target + " may not publish in room " + name;
                case "self" -> "participant " + by + " may not change the " + change.wireName() + " of " + target
                        + " in room " + name;
                default -> "participant " + by + " may not change the " + change.wireName() + " of "
                        + (by.equals(target) ? "itself" : target) + " in room " + name + "; only a room admin may";
            };
            return new RoomException(RoomException.Kind.FORBIDDEN, message);
        }

        private RoomException forbidden(String participantId, String action) {
            return new RoomException(RoomException.Kind.FORBIDDEN,
                    "participant " + participantId + " may not " + action + " in room " + name);
        }
    }
}
