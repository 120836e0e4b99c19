package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.cluster.LocalBus;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.hooks.HookSink;
import io.bifrost.rooms.hooks.RoomHook;
import io.bifrost.rooms.room.RoomEvent.ChatPosted;
import io.bifrost.rooms.room.RoomEvent.ParticipantJoined;
import io.bifrost.rooms.room.RoomEvent.ParticipantLeft;
import io.bifrost.rooms.room.RoomEvent.ParticipantUpdated;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One room in this node's memory, run like an actor: every state change is a task on the room's
 * own serial executor, so the room needs no locks and its events have one order. Callers never
 * wait for a result; they pass a callback that runs on the room's thread.
 */
final class LocalRoom implements Room {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LocalRoom.class);
    private final String name;
    private final RoomMode mode;
    private final int capacity;
    private final DuplicateIdentity duplicates;
    private final Executor thread;
    private final LocalBus bus;
    private final LocalRooms rooms;
    private final HookSink hooks;

    // Touched on the room's thread only.
    private final Map<String, Participant> participants = new LinkedHashMap<>();
    private final Map<String, String> participantBySession = new HashMap<>();
    private final Map<String, String> sessionByParticipant = new HashMap<>();
    /** The latest participant id of each identity: a join finds its duplicate without a scan. */
    private final Map<String, String> idByIdentity = new HashMap<>();
    private long seq;
    private boolean closed;

    /** Written on the room's thread; read by admission checks on request threads. */
    private volatile int size;

    LocalRoom(String name, RoomMode mode, int capacity, DuplicateIdentity duplicates, Executor pool, LocalBus bus,
              LocalRooms rooms, HookSink hooks) {
        this.name = name;
        this.mode = mode;
        this.capacity = capacity;
        this.duplicates = duplicates;
        // Events go to the bus as they happen; their frames leave once the room has nothing more queued.
        this.thread = new SerialExecutor(pool, "room " + name, () -> bus.flush(name));
        this.bus = bus;
        this.rooms = rooms;
        this.hooks = hooks;
        // Listeners of a room emptied a moment ago may still be subscribed: the new room's events follow on.
        this.seq = bus.lastSeq(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RoomMode mode() {
        return mode;
    }

    /** The number of participants, hidden ones included; may lag a join or leave in progress. */
    public int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    boolean isFull() {
        return size >= capacity;
    }

    void join(Participant participant, String sessionId, RoomMode requestedMode, RoomMember member) {
        thread.execute(() -> {
            if (closed) {
                rooms.join(name, participant, sessionId, requestedMode, member); // emptied and retired meanwhile: a new room takes over
                return;
            }
            boolean starts = participants.isEmpty() && !rooms.managed(name);
            Participant same = duplicates == DuplicateIdentity.ALLOW ? null : withIdentity(participant.identity());
            if (same != null && duplicates == DuplicateIdentity.REJECT) {
                member.refused(new RoomException(RoomException.Kind.DUPLICATE_IDENTITY,
                        "identity " + participant.identity() + " is already in room " + name));
                return;
            }
            if (same != null) {
                // Not evict(): the room must not retire in between, the newer connection takes the place.
                participants.remove(same.id());
                participantBySession.remove(sessionByParticipant.remove(same.id()));
                idByIdentity.remove(same.identity(), same.id());
                hooks.add(name, new RoomHook.Left(same, LeaveReason.DUPLICATE_IDENTITY));
                if (!same.hidden()) {
                    bus.publish(new ParticipantLeft(name, ++seq, same.id(), LeaveReason.DUPLICATE_IDENTITY));
                }
                bus.send(new Signal(name, same.id(), same.id(), Signal.Kind.REMOVED, LeaveReason.DUPLICATE_IDENTITY.wireName()));
            }
            if (participants.size() >= capacity) {
                member.refused(new RoomException(RoomException.Kind.ROOM_FULL,
                        "room " + name + " is full (" + capacity + " participants)"));
                return;
            }
            List<Participant> others = visibleParticipants();
            participants.put(participant.id(), participant);
            idByIdentity.put(participant.identity(), participant.id());
            participantBySession.put(sessionId, participant.id());
            sessionByParticipant.put(participant.id(), sessionId);
            size = participants.size();
            if (starts) {
                hooks.add(name, new RoomHook.Started(mode));
            }
            hooks.add(name, new RoomHook.Joined(participant));
            if (!participant.hidden()) {
                bus.publish(new ParticipantJoined(name, ++seq, participant));
            }
            member.joined(this, participant, others, seq);
        });
    }

    void resume(String sessionId, String identity, RoomMember member) {
        thread.execute(() -> {
            Participant self = participants.get(participantBySession.getOrDefault(sessionId, ""));
            if (self == null || !self.identity().equals(identity)) {
                member.resumeRefused("no session " + sessionId + " of " + identity + " in room " + name);
                return;
            }
            List<Participant> others = visibleParticipants();
            others.remove(self);
            member.resumed(this, self, others, seq);
        });
    }

    @Override
    public void leave(String participantId, LeaveReason reason) {
        thread.execute(() -> removeNow(participantId, reason));
    }

    /**
     * Removes a participant against its will: the room announces it, then its session hears why
     * and closes. On the room's thread.
     *
     * @return the participant as it was, or null when it was not in the room
     */
    Participant evict(String participantId, LeaveReason reason) {
        Participant gone = removeNow(participantId, reason);
        if (gone != null) {
            bus.send(new Signal(name, participantId, participantId, Signal.Kind.REMOVED, reason.wireName()));
        }
        return gone;
    }

    private Participant removeNow(String participantId, LeaveReason reason) {
        Participant gone = participants.remove(participantId);
        if (gone == null) {
            return null;
        }
        idByIdentity.remove(gone.identity(), participantId);
        participantBySession.remove(sessionByParticipant.remove(participantId));
        size = participants.size();
        hooks.add(name, new RoomHook.Left(gone, reason));
        if (!gone.hidden()) {
            bus.publish(new ParticipantLeft(name, ++seq, participantId, reason));
        }
        if (participants.isEmpty()) {
            closed = true;
            if (!rooms.managed(name)) {
                hooks.add(name, new RoomHook.Finished());
            }
            rooms.retire(this);
        }
        return gone;
    }

    @Override
    public void chat(String from, String text, long timestamp, LongConsumer posted, Consumer<RoomException> refused) {
        thread.execute(() -> {
            Participant sender = participants.get(from);
            if (sender == null || !sender.mayChat()) {
                refused.accept(forbidden(from, "post chat messages"));
                return;
            }
            bus.publish(new ChatPosted(name, ++seq, from, text, timestamp));
            posted.accept(seq);
        });
    }

    @Override
    public void update(String by, String target, ParticipantChange change, LongConsumer applied,
                       Consumer<RoomException> refused) {
        thread.execute(() -> {
            Participant asking = participants.get(by);
            Participant before = participants.get(target);
            if (asking == null || before == null) {
                refused.accept(new RoomException(RoomException.Kind.NOT_FOUND,
                        "no participant " + (asking == null ? by : target) + " in room " + name));
                return;
            }
            RoomException refusal = ParticipantChange.refusal(change, asking, before, name);
            if (refusal != null) {
                refused.accept(refusal);
                return;
            }
            Participant after = change.applyTo(before);
            if (after.equals(before)) {
                applied.accept(-1);
                return;
            }
            participants.put(target, after);
            hooks.add(name, new RoomHook.Changed(change.wireName(), before, after));
            if (after.hidden()) {
                applied.accept(-1);
                return;
            }
            bus.publish(new ParticipantUpdated(name, ++seq, after, change.wireName()));
            applied.accept(seq);
        });
    }

    /** Runs on the room's thread so that a signal is never relayed to someone whose departure was already announced. */
    @Override
    public void relay(Signal signal, Consumer<RoomException> done) {
        thread.execute(() -> {
            Participant sender = participants.get(signal.from());
            if (sender == null || !sender.maySignal()) {
                done.accept(forbidden(signal.from(), "send media signals"));
                return;
            }
            boolean delivered;
            try {
                delivered = !signal.to().equals(signal.from()) && participants.containsKey(signal.to()) && bus.send(signal);
            } catch (RuntimeException e) {
                log.error("{}: relaying a signal from {} to {} failed", name, signal.from(), signal.to(), e);
                done.accept(new RoomException(RoomException.Kind.INTERNAL, "the signal could not be relayed"));
                return;
            }
            done.accept(delivered ? null
                    : new RoomException(RoomException.Kind.NOT_FOUND, "no participant " + signal.to() + " in room " + name));
        });
    }

    @Override
    public void handedOver(String participantId) {
        // One node: a resumed session is taken over in place, nothing is held per connection here.
    }

    // ------------------------------------------------------------------ the app's backend

    /** A backend request, run on the room's thread; a RoomException refuses it. */
    interface Task<T> {
        T run() throws RoomException;
    }

    <T> CompletionStage<T> ask(Task<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        thread.execute(() -> {
            try {
                result.complete(task.run());
            } catch (RoomException e) {
                result.completeExceptionally(e);
            } catch (RuntimeException e) {
                log.error("{}: a backend request failed", name, e);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** On the room's thread: everyone, hidden participants too, in join order. */
    List<Participant> members() {
        return new ArrayList<>(participants.values());
    }

    /** On the room's thread. */
    Participant evictOrRefuse(String participantId, LeaveReason reason) throws RoomException {
        Participant gone = evict(participantId, reason);
        if (gone == null) {
            throw notFound(participantId);
        }
        return gone;
    }

    /** On the room's thread. */
    void evictAll(LeaveReason reason) {
        for (String id : new ArrayList<>(participants.keySet())) {
            evict(id, reason);
        }
    }

    /** On the room's thread: a change on the backend's authority, which may make any but a participant's own. */
    Participant changeByServer(String participantId, ParticipantChange change) throws RoomException {
        Participant before = participants.get(participantId);
        if (before == null) {
            throw notFound(participantId);
        }
        if (change.selfOnly() || !change.allowedFor(before)) {
            throw new RoomException(RoomException.Kind.FORBIDDEN, "the " + change.wireName() + " of participant "
                    + participantId + " cannot be changed this way");
        }
        Participant after = change.applyTo(before);
        if (!after.equals(before)) {
            participants.put(participantId, after);
            hooks.add(name, new RoomHook.Changed(change.wireName(), before, after));
            if (!after.hidden()) {
                bus.publish(new ParticipantUpdated(name, ++seq, after, change.wireName()));
            }
        }
        return after;
    }

    /** On the room's thread. */
    long postByServer(String text, long timestamp) {
        bus.publish(new ChatPosted(name, ++seq, Rooms.SERVER, text, timestamp));
        return seq;
    }

    /** On the room's thread. */
    Void messageByServer(String participantId, String text) throws RoomException {
        if (!participants.containsKey(participantId)
                || !bus.send(new Signal(name, Rooms.SERVER, participantId, Signal.Kind.DATA, text))) {
            throw notFound(participantId);
        }
        return null;
    }

    private Participant withIdentity(String identity) {
        String id = idByIdentity.get(identity);
        return id == null ? null : participants.get(id);
    }

    private RoomException notFound(String participantId) {
        return new RoomException(RoomException.Kind.NOT_FOUND, "no participant " + participantId + " in room " + name);
    }

    private RoomException forbidden(String participantId, String action) {
        return new RoomException(RoomException.Kind.FORBIDDEN,
                "participant " + participantId + " may not " + action + " in room " + name);
    }

    private List<Participant> visibleParticipants() {
        List<Participant> visible = new ArrayList<>(participants.size());
        for (Participant p : participants.values()) {
            if (!p.hidden()) {
                visible.add(p);
            }
        }
        return visible;
    }
}
