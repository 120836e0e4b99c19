package io.bifrost.signaling.session;

import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ParticipantInfo;
import io.bifrost.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Encodes each room event once, however many sessions of the node receive it. A room's feed
 * hands the same event object to its subscribers one after the other, so remembering the last
 * few events by identity is enough: a small array of slots, indexed by the event's identity
 * hash, needs no cleanup when rooms come and go.
 */
public final class Fanout {
    /** Rooms publishing at the same moment rarely exceed this; a collision only costs an extra encode. */
    private static final int SLOTS = 256;

    private final Codec codec;
    private final AtomicReferenceArray<Encoded> slots = new AtomicReferenceArray<>(SLOTS);

    public Fanout(Codec codec) {
        this.codec = codec;
    }

    /** An event as it goes on the wire. */
    public Encoded encode(RoomEvent event) {
        int slot = System.identityHashCode(event) & (SLOTS - 1);
        Encoded cached = slots.get(slot);
        if (cached != null && cached.event == event) {
            return cached;
        }
        ServerMessage message = toWire(event);
        Encoded encoded = new Encoded(event, message.type(), codec.encode(message));
        slots.set(slot, encoded);
        return encoded;
    }

    /** An encoded event: the frame's UTF-8 bytes, shared by every connection's frame, and the message type, for the metrics. */
    public static final class Encoded {
        final RoomEvent event;
        final String type;
        final byte[] utf8;

        Encoded(RoomEvent event, String type, String frame) {
            this.event = event;
            this.type = type;
            this.utf8 = frame.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static ServerMessage toWire(RoomEvent event) {
        if (event instanceof RoomEvent.ParticipantJoined joined) {
            return new ServerMessage.ParticipantJoined(joined.seq(), ParticipantInfo.of(joined.participant()));
        }
        if (event instanceof RoomEvent.ParticipantLeft left) {
            return new ServerMessage.ParticipantLeft(left.seq(), left.participantId(), left.reason().wireName());
        }
        if (event instanceof RoomEvent.ParticipantUpdated updated) {
            return new ServerMessage.ParticipantUpdated(updated.seq(), ParticipantInfo.of(updated.participant()),
                    updated.change());
        }
        RoomEvent.ChatPosted chat = (RoomEvent.ChatPosted) event;
        return new ServerMessage.Chat(chat.seq(), chat.from(), chat.text(), chat.timestamp());
    }
}
