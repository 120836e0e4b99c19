package io.bifrost.rooms.room;

import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.room.RoomEvent.ChatPosted;
import io.bifrost.rooms.room.RoomEvent.ParticipantJoined;
import io.bifrost.rooms.room.RoomEvent.ParticipantLeft;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * One room, run like an actor: every state change is a task on the room's own serial executor,
 * so the room needs no locks and its events have one order. Callers never wait for a result;
 * they pass a callback that runs on the room's thread.
 */
public final class Room {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Room.class);
    private final String name;
    private final int capacity;
    private final Executor thread;
    private final ClusterBus bus;
    private final Rooms rooms;

    // Touched on the room's thread only.
    private final Map<String, Participant> participants = new LinkedHashMap<>();
    private long seq;
    private boolean closed;

    /** Written on the room's thread; read by admission checks on request threads. */
    private volatile int size;

    Room(String name, int capacity, Executor pool, ClusterBus bus, Rooms rooms) {
        this.name = name;
        this.capacity = capacity;
        this.thread = new SerialExecutor(pool, "room " + name);
        this.bus = bus;
        this.rooms = rooms;
    }

    public String name() {
        return name;
    }

    /** The number of participants, hidden ones included; may lag a join or leave in progress. */
    public int size() {
        return size;
    }

    boolean isFull() {
        return size >= capacity;
    }

    void join(Participant participant, RoomMember member) {
        thread.execute(() -> {
            if (closed) {
                rooms.join(name, participant, member); // emptied and retired meanwhile: a new room takes over
                return;
            }
            if (participants.size() >= capacity) {
                member.refused(new RoomException(RoomException.Kind.ROOM_FULL,
                        "room " + name + " is full (" + capacity + " participants)"));
                return;
            }
            List<Participant> others = visibleParticipants();
            participants.put(participant.id(), participant);
            size = participants.size();
            if (!participant.hidden()) {
                bus.publish(new ParticipantJoined(name, ++seq, participant));
            }
            member.joined(this, participant, others, seq);
        });
    }

    /** Removes the participant if it is still here; leaving twice is harmless. */
    public void leave(String participantId, LeaveReason reason) {
        thread.execute(() -> {
            Participant gone = participants.remove(participantId);
            if (gone == null) {
                return;
            }
            size = participants.size();
            if (!gone.hidden()) {
                bus.publish(new ParticipantLeft(name, ++seq, participantId, reason));
            }
            if (participants.isEmpty()) {
                closed = true;
                rooms.retire(this);
            }
        });
    }

    /**
     * Posts a chat message to everyone in the room.
     *
     * @param posted receives the message's {@code seq} once it is published
     * @param refused receives the reason when the sender may not post
     */
    public void chat(String from, String text, long timestamp, LongConsumer posted, Consumer<RoomException> refused) {
        thread.execute(() -> {
            Participant sender = participants.get(from);
            // A hidden participant's message would reveal it to the room.
            if (sender == null || !sender.grants().canPublishData() || sender.hidden()) {
                refused.accept(forbidden(from, "post chat messages"));
                return;
            }
            bus.publish(new ChatPosted(name, ++seq, from, text, timestamp));
            posted.accept(seq);
        });
    }

    /**
     * Passes a signal to another participant of this room. Runs on the room's thread so that a
     * signal is never relayed to someone whose departure was already announced.
     *
     * @param done receives null when the signal was handed over, or the reason it was not
     */
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
