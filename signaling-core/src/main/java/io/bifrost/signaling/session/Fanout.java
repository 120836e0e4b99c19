package io.bifrost.signaling.session;

import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ParticipantInfo;
import io.bifrost.signaling.protocol.ServerMessage;
import io.bifrost.signaling.metrics.BifrostMetrics;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Hands each room event to this node's sessions in that room. The node subscribes to a room
 * once, however many of its sessions are in it, and encodes each event once: every recipient
 * gets the same frame.
 */
public final class Fanout {
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final ClusterBus bus;
    private final Codec codec;
    private final BifrostMetrics metrics;

    public Fanout(ClusterBus bus, Codec codec, BifrostMetrics metrics) {
        this.bus = bus;
        this.codec = codec;
        this.metrics = metrics;
    }

    /** Rooms with at least one session on this node. */
    public int rooms() {
        return groups.size();
    }

    // compute/computeIfPresent make "add to a group" and "retire an empty group" atomic per room,
    // so a join racing the last leave never lands in a group that is no longer subscribed.
    void add(String room, SignalingSession session) {
        groups.compute(room, (name, group) -> {
            Group target = group != null ? group : new Group(name);
            target.sessions.add(session);
            return target;
        });
    }

    void remove(String room, SignalingSession session) {
        groups.computeIfPresent(room, (name, group) -> {
            group.sessions.remove(session);
            if (group.sessions.isEmpty()) {
                group.subscription.close();
                return null;
            }
            return group;
        });
    }

    private final class Group implements Consumer<RoomEvent> {
        final Set<SignalingSession> sessions = ConcurrentHashMap.newKeySet();
        final ClusterBus.Subscription subscription;

        Group(String room) {
            subscription = bus.subscribe(room, this);
        }

        @Override
        public void accept(RoomEvent event) {
            ServerMessage message = toWire(event);
            String frame = codec.encode(message);
            int delivered = 0;
            for (SignalingSession session : sessions) {
                if (session.deliver(event.seq(), frame)) {
                    delivered++;
                }
            }
            metrics.messagesOut(message.type(), delivered);
        }
    }

    private static ServerMessage toWire(RoomEvent event) {
        if (event instanceof RoomEvent.ParticipantJoined joined) {
            return new ServerMessage.ParticipantJoined(joined.seq(), ParticipantInfo.of(joined.participant()));
        }
        if (event instanceof RoomEvent.ParticipantLeft left) {
            return new ServerMessage.ParticipantLeft(left.seq(), left.participantId(), left.reason().wireName());
        }
        RoomEvent.ChatPosted chat = (RoomEvent.ChatPosted) event;
        return new ServerMessage.Chat(chat.seq(), chat.from(), chat.text(), chat.timestamp());
    }
}
