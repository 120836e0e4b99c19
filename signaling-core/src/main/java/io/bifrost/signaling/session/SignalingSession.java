package io.bifrost.signaling.session;

import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.Room;
import io.bifrost.rooms.room.RoomException;
import io.bifrost.rooms.room.RoomMember;
import io.bifrost.signaling.protocol.ClientMessage;
import io.bifrost.signaling.protocol.ErrorCode;
import io.bifrost.signaling.protocol.ParticipantInfo;
import io.bifrost.signaling.protocol.ProtocolException;
import io.bifrost.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection in one room: it joins at start, answers the client's requests, passes
 * room events and signals to it, and leaves exactly once, whatever ends it.
 *
 * <p>Threads: inbound frames arrive on a transport thread, one at a time; room events, signals
 * and request results arrive on the room's thread; the sweeper checks liveness from its own.
 */
public final class SignalingSession implements RoomMember {
    private static final Logger log = LoggerFactory.getLogger(SignalingSession.class);
    private static final long NANOS_PER_MILLI = 1_000_000L;
    /** UTF-8 needs at most 3 bytes per UTF-16 char: below this many chars no frame can exceed the limit. */
    private static final int MAX_UTF8_BYTES_PER_CHAR = 3;

    private final Participant participant;
    private final String roomName;
    private final String sessionId = io.bifrost.rooms.room.Ids.session();
    private final Connection connection;
    private final SessionServices services;
    private final RateLimiter rateLimiter; // transport thread only
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();

    private volatile Room room;                        // written on the room's thread at join
    private volatile long joinedSeq = Long.MAX_VALUE;  // written on the room's thread at join
    private volatile ClusterBus.Subscription inbox;    // written on the room's thread at join
    private volatile long lastHeardNanos;              // written on the transport thread

    SignalingSession(Participant participant, String roomName, Connection connection, SessionServices services, long now) {
        this.participant = participant;
        this.roomName = roomName;
        this.connection = connection;
        this.services = services;
        this.rateLimiter = new RateLimiter(services.limits().messagesPerSecond(), services.limits().messageBurst(), now);
        this.lastHeardNanos = now;
    }

    public String participantId() {
        return participant.id();
    }

    /** Joins the room; the first frame the client gets is {@code joined} (or the refusal). */
    public void start() {
        if (services.sessions().draining()) {
            shutdown();
            return;
        }
        services.rooms().join(roomName, participant, this);
    }

    // ------------------------------------------------------------------ joining (room's thread)

    @Override
    public void joined(Room joinedRoom, Participant self, List<Participant> others, long seq) {
        room = joinedRoom;
        joinedSeq = seq;
        inbox = services.bus().registerInbox(self.id(), this::onSignal);
        List<ParticipantInfo> peers = new ArrayList<>(others.size());
        for (Participant other : others) {
            peers.add(ParticipantInfo.of(other));
        }
        reply(new ServerMessage.Joined(roomName, sessionId, ParticipantInfo.of(self), peers, services.iceServers(),
                services.limits().pingInterval().toMillis(), services.limits().pingTimeout().toMillis(), seq));
        services.fanout().add(roomName, this);
        services.metrics().join("ok");
        log.info("{} joined room {} as {} ({})", self.id(), roomName, self.role().wireName(), self.identity());
        if (ended.get()) {
            // The connection ended while we were joining; end() may have missed what we just registered.
            joinedRoom.leave(self.id(), LeaveReason.DISCONNECTED);
            detach();
            return;
        }
        connection.demand();
    }

    @Override
    public void refused(RoomException reason) {
        services.metrics().join(code(reason).wireName());
        fail(null, code(reason), reason.getMessage());
        end(LeaveReason.DISCONNECTED);
        connection.close(CloseCodes.POLICY_VIOLATION, code(reason).wireName());
    }

    // ------------------------------------------------------------------ inbound (transport thread)

    /** Handles one inbound text frame; the transport delivers the next only after {@link Connection#demand()}. */
    public void onText(String text, long now) {
        lastHeardNanos = now;
        boolean demandNext = true;
        try {
            if (tooLarge(text)) {
                services.metrics().messageIn("too-large");
                fail(services.codec().peekId(text), ErrorCode.TOO_LARGE, "message of " + utf8Length(text)
                        + " bytes exceeds the limit of " + services.limits().maxMessageBytes() + " bytes");
            } else if (!rateLimiter.tryAcquire(now)) {
                services.metrics().messageIn("rate-limited");
                fail(services.codec().peekId(text), ErrorCode.RATE_LIMITED, "more than "
                        + services.limits().messagesPerSecond() + " messages per second; message dropped");
            } else {
                ClientMessage message = services.codec().decodeClient(text);
                services.metrics().messageIn(message.type());
                demandNext = dispatch(message, now);
            }
        } catch (ProtocolException e) {
            services.metrics().messageIn("invalid");
            fail(e.requestId(), e.code(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("{} failed to handle a message in room {}", participant.id(), roomName, e);
            fail(services.codec().peekId(text), ErrorCode.INTERNAL, "the server failed to handle this message");
        }
        if (demandNext && !ended.get()) {
            connection.demand();
        }
    }

    /** Binary frames have no meaning in protocol v1; they are refused like any bad request. */
    public void onBinary(long now) {
        lastHeardNanos = now;
        services.metrics().messageIn("invalid");
        if (!rateLimiter.tryAcquire(now)) {
            fail(null, ErrorCode.RATE_LIMITED, "more than " + services.limits().messagesPerSecond()
                    + " messages per second; message dropped");
        } else {
            fail(null, ErrorCode.BAD_REQUEST, "binary frames are not supported; send JSON text frames");
        }
        if (!ended.get()) {
            connection.demand();
        }
    }

    /** @return false when the session is over and must not read more */
    private boolean dispatch(ClientMessage message, long receivedNanos) {
        if (message instanceof ClientMessage.Addressed addressed) {
            relay(addressed, receivedNanos);
        } else if (message instanceof ClientMessage.Chat chat) {
            long ts = System.currentTimeMillis();
            room.chat(participant.id(), chat.text(), ts, seq -> {
                services.metrics().relayed(receivedNanos);
                ack(chat.id(), seq);
            }, refusal -> fail(chat.id(), code(refusal), refusal.getMessage()));
        } else if (message instanceof ClientMessage.Ping ping) {
            reply(new ServerMessage.Pong(ping.id()));
        } else if (message instanceof ClientMessage.Leave leave) {
            ack(leave.id(), null);
            end(LeaveReason.LEFT);
            connection.close(CloseCodes.NORMAL, "left");
            return false;
        }
        return true;
    }

    private void relay(ClientMessage.Addressed message, long receivedNanos) {
        Signal signal;
        if (message instanceof ClientMessage.Offer offer) {
            signal = new Signal(roomName, participant.id(), offer.to(), Signal.Kind.OFFER, offer.sdp());
        } else if (message instanceof ClientMessage.Answer answer) {
            signal = new Signal(roomName, participant.id(), answer.to(), Signal.Kind.ANSWER, answer.sdp());
        } else {
            ClientMessage.Candidate candidate = (ClientMessage.Candidate) message;
            signal = new Signal(roomName, participant.id(), candidate.to(), Signal.Kind.CANDIDATE, candidate.candidate());
        }
        room.relay(signal, refusal -> {
            if (refusal == null) {
                services.metrics().relayed(receivedNanos);
                ack(message.id(), null);
            } else {
                fail(message.id(), code(refusal), refusal.getMessage());
            }
        });
    }

    private boolean tooLarge(String text) {
        int limit = services.limits().maxMessageBytes();
        return text.length() > limit || (text.length() * MAX_UTF8_BYTES_PER_CHAR > limit && utf8Length(text) > limit);
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    // ------------------------------------------------------------------ outbound (any thread)

    /** A signal for this participant, from the bus. */
    private void onSignal(Signal signal) {
        reply(new ServerMessage.Relayed(signal.kind().name().toLowerCase(java.util.Locale.ROOT), signal.from(), signal.body()));
    }

    /**
     * A room event, already encoded, from the fan-out. Events the {@code joined} frame already
     * covered are skipped.
     *
     * @return whether it was queued
     */
    boolean deliver(long seq, String frame) {
        if (seq <= joinedSeq || ended.get()) {
            return false;
        }
        send(frame);
        return true;
    }

    private void ack(String id, Long seq) {
        if (id != null) {
            reply(new ServerMessage.Ack(id, seq));
        }
    }

    private void fail(String id, ErrorCode code, String message) {
        services.metrics().error(code.wireName());
        reply(new ServerMessage.Error(id, code, message));
    }

    private void reply(ServerMessage message) {
        services.metrics().messageOut(message.type());
        send(services.codec().encode(message));
    }

    private void send(String frame) {
        if (queuedFrames.incrementAndGet() > services.limits().outboundQueueFrames()) {
            queuedFrames.decrementAndGet();
            if (end(LeaveReason.SLOW_CONSUMER)) {
                log.warn("{} in room {} stopped reading: {} frames queued, disconnected",
                        participant.id(), roomName, services.limits().outboundQueueFrames());
                connection.abort();
            }
            return;
        }
        connection.send(frame, queuedFrames::decrementAndGet, failure -> {
            queuedFrames.decrementAndGet();
            end(LeaveReason.DISCONNECTED);
        });
    }

    // ------------------------------------------------------------------ ending

    /** The sweeper's check: a client silent for the ping timeout is gone. */
    void checkAlive(long now) {
        long silentMillis = (now - lastHeardNanos) / NANOS_PER_MILLI;
        if (silentMillis > services.limits().pingTimeout().toMillis() && end(LeaveReason.TIMEOUT)) {
            log.info("{} in room {} silent for {} ms, disconnected", participant.id(), roomName, silentMillis);
            connection.close(CloseCodes.NORMAL, "ping-timeout");
        }
    }

    void shutdown() {
        if (!ended.get()) {
            reply(new ServerMessage.Disconnect("server-shutdown", true));
        }
        if (end(LeaveReason.SERVER_SHUTDOWN)) {
            connection.close(CloseCodes.GOING_AWAY, "server-shutdown");
        }
    }

    void drop() {
        if (end(LeaveReason.DISCONNECTED)) {
            connection.abort();
        }
    }

    /** The transport saw the connection close or fail. */
    public void closed(boolean clean) {
        end(clean ? LeaveReason.LEFT : LeaveReason.DISCONNECTED);
    }

    /** Leaves the room once, whichever of the ways to end a session comes first. */
    private boolean end(LeaveReason reason) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        Room joinedRoom = room;
        if (joinedRoom != null) {
            joinedRoom.leave(participant.id(), reason);
            log.info("{} left room {} ({})", participant.id(), roomName, reason.wireName());
        }
        detach();
        services.sessions().remove(this);
        services.metrics().disconnect(reason.wireName());
        return true;
    }

    private void detach() {
        services.fanout().remove(roomName, this);
        ClusterBus.Subscription registration = inbox;
        if (registration != null) {
            registration.close();
        }
    }

    private static ErrorCode code(RoomException e) {
        switch (e.kind()) {
            case ROOM_FULL: return ErrorCode.ROOM_FULL;
            case NOT_FOUND: return ErrorCode.NOT_FOUND;
            case FORBIDDEN: return ErrorCode.FORBIDDEN;
            case INTERNAL: return ErrorCode.INTERNAL;
            default: return ErrorCode.BAD_REQUEST;
        }
    }
}
