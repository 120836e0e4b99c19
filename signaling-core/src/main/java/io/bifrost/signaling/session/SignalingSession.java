package io.bifrost.signaling.session;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.RoomListener;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.room.Ids;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.rooms.room.Room;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.rooms.room.RoomException;
import io.bifrost.rooms.room.RoomMember;
import io.bifrost.signaling.protocol.ClientMessage;
import io.bifrost.signaling.protocol.ErrorCode;
import io.bifrost.signaling.protocol.ParticipantInfo;
import io.bifrost.signaling.protocol.ProtocolException;
import io.bifrost.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's session in one room: it joins (or resumes) at start, answers the client's
 * requests, passes room events and signals to it, and leaves exactly once, whatever ends it.
 *
 * <p>A session whose connection drops without a goodbye is <em>detached</em>: it stays in its
 * room, unseen by the others, for the resume window, keeping the signals sent to it, so that its
 * client can reconnect (to this node or another) and {@linkplain #resumed take it back}.
 *
 * <p>Threads: inbound frames arrive on a transport thread, one at a time; room events, signals
 * and request results on the room's or the cluster client's threads; the sweeper checks
 * liveness from its own.
 */
public final class SignalingSession implements RoomMember {
    private static final Logger log = LoggerFactory.getLogger(SignalingSession.class);
    private static final long NANOS_PER_MILLI = 1_000_000L;
    /** UTF-8 needs at most 3 bytes per UTF-16 char: below this many chars no frame can exceed the limit. */
    private static final int MAX_UTF8_BYTES_PER_CHAR = 3;
    /** Signals kept for a detached session: a renegotiation and its candidates, many times over. */
    static final int MAX_HELD_SIGNALS = 256;

    private enum State { JOINING, LIVE, DETACHED, ENDED }

    private final JoinClaims claims;
    private final Connection connection;
    private final SessionServices services;
    private final RateLimiter rateLimiter; // transport thread only
    private final Outbox outbox;
    private final AtomicReference<State> state = new AtomicReference<>(State.JOINING);
    private final List<Signal> heldSignals = new ArrayList<>(); // guarded by itself, kept while detached

    private volatile ResumeRequest resume;             // cleared once it was tried
    private volatile Participant participant;          // set on the joining thread, then read anywhere
    private volatile String sessionId;
    private volatile Room room;                        // written when joined or resumed
    private volatile ClusterBus.Subscription events;   // written when joined or resumed
    private volatile ClusterBus.Subscription inbox;    // written when joined or resumed
    private volatile BroadcastMedia media;             // broadcast rooms only; written when joined or resumed
    private final AtomicReference<Audience> audience = new AtomicReference<>(); // broadcast rooms only
    private volatile long lastHeardNanos;              // written on the transport thread
    private volatile long detachedAtNanos;
    private volatile LeaveReason detachedReason;
    /** The ids of every join token this session was admitted with or sent, with their expiry: spent when it leaves. */
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private volatile TokenRefresh.Term tokenTerm;      // null when this node cannot refresh the token; the sweeper's
    private volatile Participant tokenCarries;         // the state the client's newest token says; the sweeper's

    SignalingSession(JoinClaims claims, String tokenId, ResumeRequest resume, Connection connection, SessionServices services,
                     long now) {
        this.claims = claims;
        this.tokens.put(tokenId, claims.expiresAt());
        this.resume = resume;
        this.connection = connection;
        this.services = services;
        this.outbox = new Outbox(connection, services.limits().outboundQueueFrames(), () -> lost(LeaveReason.DISCONNECTED));
        this.rateLimiter = new RateLimiter(services.limits().messagesPerSecond(), services.limits().messageBurst(), now);
        this.lastHeardNanos = now;
        this.participant = newParticipant(claims);
        this.sessionId = Ids.session();
        this.tokenTerm = services.tokens().term(claims, services.tokens().now());
        this.tokenCarries = participant;
    }

    public String participantId() {
        return participant.id();
    }

    String sessionId() {
        return sessionId;
    }

    /** Joins the room, or resumes the session asked for; the first frame out is {@code joined} or {@code resumed}. */
    public void start() {
        if (services.sessions().draining()) {
            shutdown();
            return;
        }
        ResumeRequest request = resume;
        if (request != null && services.limits().resumeWindow().isZero()) {
            resumeRefused("resume is turned off on this server");
        } else if (request != null && request.lastSeq() < 0) {
            resumeRefused("lastSeq must be the last room seq the client applied, a number of 0 or more");
        } else if (request != null) {
            services.rooms().resume(claims.room(), request.sessionId(), claims.identity(), this);
        } else {
            services.rooms().join(claims.room(), participant, sessionId, requestedMode(), this);
        }
    }

    // ------------------------------------------------------------------ joining and resuming

    @Override
    public void joined(Room joinedRoom, Participant self, List<Participant> others, long seq) {
        room = joinedRoom;
        inbox = services.bus().registerInbox(self.id(), this::onSignal);
        Audience joinedAudience = enterAudience(joinedRoom, self, others, seq);
        boolean listed = joinedAudience == null || joinedAudience.listed();
        List<ParticipantInfo> peers = new ArrayList<>(others.size());
        for (Participant other : others) {
            if (listed || Audience.shownWhenLarge(other)) {
                peers.add(ParticipantInfo.of(other));
            }
        }
        reply(new ServerMessage.Joined(claims.room(), joinedRoom.mode().wireName(), sessionId, ParticipantInfo.of(self), peers,
                services.iceServers().forParticipant(self.id()), services.limits().pingInterval().toMillis(),
                services.limits().pingTimeout().toMillis(),
                seq));
        if (joinedAudience != null) {
            joinedAudience.attach(this);
        }
        startMedia(joinedRoom, self, others);
        events = services.bus().subscribe(claims.room(), seq, new Feed());
        services.metrics().join("ok");
        log.info("{} joined room {} as {} ({})", self.id(), claims.room(), self.role().wireName(), self.identity());
        goLive();
    }

    @Override
    public void refused(RoomException reason) {
        services.metrics().join(code(reason).wireName());
        fail(null, code(reason), reason.getMessage());
        end(LeaveReason.DISCONNECTED);
        outbox.close(CloseCodes.POLICY_VIOLATION, code(reason).wireName());
    }

    @Override
    public void resumed(Room resumedRoom, Participant self, List<Participant> others, long seq) {
        ResumeRequest request = resume;
        room = resumedRoom;
        participant = self;
        sessionId = request.sessionId();
        // The inbox first: signals the old session held are re-sent to whoever holds the inbox now.
        inbox = services.bus().registerInbox(self.id(), this::onSignal);
        if (request.lastSeq() > seq) {
            // Resumed after it, the client would miss every event up to its made-up seq, unaware.
            rejoin(self, request, "seq-ahead", "lastSeq " + request.lastSeq()
                    + " is ahead of the room, whose last event is seq " + seq);
            return;
        }
        events = services.bus().subscribe(claims.room(), request.lastSeq(), new Feed() {
            @Override
            public void ready(boolean complete) {
                if (complete) {
                    reply(new ServerMessage.Resumed(claims.room(), resumedRoom.mode().wireName(), sessionId,
                            ParticipantInfo.of(self), services.iceServers().forParticipant(self.id()), services.limits().pingInterval().toMillis(),
                            services.limits().pingTimeout().toMillis(), request.lastSeq()));
                    services.metrics().resume("ok");
                    Audience resumedAudience = enterAudience(resumedRoom, self, others, request.lastSeq());
                    if (resumedAudience != null) {
                        resumedAudience.attach(SignalingSession.this);
                    }
                    log.info("{} resumed session {} in room {} after seq {}", self.id(), sessionId, claims.room(), request.lastSeq());
                    goLive(); // before the replay that follows ready(): the missed events go out after `resumed`
                    // After the old session let go of its SFU connections: the client publishes again.
                    startMedia(resumedRoom, self, others);
                } else {
                    rejoin(self, request, "history-lost", "the events after seq " + request.lastSeq() + " are no longer kept");
                }
            }
        });
    }

    @Override
    public void resumeRefused(String why) {
        services.metrics().resume("refused");
        log.info("Session {} of {} in room {} cannot be resumed: {}", resume == null ? "?" : resume.sessionId(),
                claims.identity(), claims.room(), why);
        resume = null;
        reply(new ServerMessage.Error(null, ErrorCode.RESUME_FAILED, why + "; joined as a new participant"));
        services.rooms().join(claims.room(), participant, sessionId, requestedMode(), this);
    }

    /**
     * The room handed the participant over, but the client cannot be brought up to date (the
     * room kept too few events, or its seq is made up): it rejoins instead, as a new participant.
     */
    private void rejoin(Participant self, ResumeRequest request, String outcome, String why) {
        services.metrics().resume(outcome);
        // The room handed the participant to this session; the one that held it lets go now, as
        // after a resume, instead of keeping its SFU endpoints until its resume window ends.
        services.sessions().takenOver(request.sessionId(), this);
        Room lostRoom = room;
        room = null;
        inbox.close();
        lostRoom.leave(self.id(), LeaveReason.DISCONNECTED);
        resume = null;
        reply(new ServerMessage.Error(null, ErrorCode.RESUME_FAILED, why + "; joined as a new participant"));
        participant = newParticipant(claims);
        sessionId = Ids.session();
        services.rooms().join(claims.room(), participant, sessionId, requestedMode(), this);
    }

    /** The client has its first frame: hand it what was held meanwhile, then read its requests. */
    private void goLive() {
        synchronized (heldSignals) {
            if (state.compareAndSet(State.JOINING, State.LIVE)) {
                services.sessions().attached(this);
                for (Signal signal : heldSignals) {
                    forward(signal);
                }
                heldSignals.clear();
                connection.demand();
                return;
            }
        }
        if (state.get() == State.DETACHED) {
            services.sessions().attached(this); // dropped between its first frame and now: resumable all the same
            return;
        }
        // Ended while joining: end() may have missed what was just registered.
        releaseResources();
        Room joinedRoom = room;
        if (joinedRoom != null) {
            joinedRoom.leave(participant.id(), LeaveReason.DISCONNECTED);
        }
    }

    // ------------------------------------------------------------------ inbound (transport thread)

    /**
     * Handles one inbound text frame; the transport delivers the next only after {@link Connection#demand()}.
     *
     * <p>Every frame takes from the session's rate, whatever it holds: a frame refused for its
     * size costs the node its reading all the same. A frame over the rate is refused, and the
     * next is read only once the rate allows one again: a client that sends faster is read at
     * its rate, its excess waiting in its own connection, so that however hard it floods it
     * costs the node what an allowed client costs. Were every refused frame read at once, one
     * client could keep a core busy decoding and answering refusals, and the garbage of it
     * would bring the node's collector, which pauses every session, round several times a second.
     */
    public void onText(String text, long now) {
        lastHeardNanos = now;
        boolean demandNext = true;
        long pause = 0;
        try {
            if (!rateLimiter.tryAcquire(now)) {
                services.metrics().messageIn("rate-limited");
                fail(services.codec().peekId(text), ErrorCode.RATE_LIMITED, rateLimited());
                pause = rateLimiter.nanosUntilNext(now);
            } else if (tooLarge(text)) {
                services.metrics().messageIn("too-large");
                fail(services.codec().peekId(text), ErrorCode.TOO_LARGE, "message of " + utf8Length(text)
                        + " bytes exceeds the limit of " + services.limits().maxMessageBytes() + " bytes");
            } else {
                ClientMessage message = services.codec().decodeClient(text);
                services.metrics().messageIn(message.type());
                demandNext = dispatch(message, now);
            }
        } catch (ProtocolException e) {
            services.metrics().messageIn("invalid");
            fail(e.requestId(), e.code(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("{} failed to handle a message in room {}", participant.id(), claims.room(), e);
            fail(services.codec().peekId(text), ErrorCode.INTERNAL, "the server failed to handle this message");
        }
        if (demandNext) {
            demandAfter(pause);
        }
    }

    /** Binary frames have no meaning in protocol v1; they are refused like any bad request, and paced like text. */
    public void onBinary(long now) {
        lastHeardNanos = now;
        services.metrics().messageIn("invalid");
        long pause = 0;
        if (!rateLimiter.tryAcquire(now)) {
            fail(null, ErrorCode.RATE_LIMITED, rateLimited());
            pause = rateLimiter.nanosUntilNext(now);
        } else {
            fail(null, ErrorCode.BAD_REQUEST, "binary frames are not supported; send JSON text frames");
        }
        demandAfter(pause);
    }

    private String rateLimited() {
        return "more than " + services.limits().messagesPerSecond() + " messages per second; message dropped";
    }

    /** Asks for the next frame now, or after a pause (on the node's timer, off the transport's threads). */
    private void demandAfter(long pauseNanos) {
        if (pauseNanos <= 0) {
            if (state.get() == State.LIVE) {
                connection.demand();
            }
            return;
        }
        try {
            services.timer().schedule(() -> {
                if (state.get() == State.LIVE) {
                    connection.demand();
                }
            }, pauseNanos);
        } catch (RejectedExecutionException stopping) {
            // the node is stopping: nothing more is read
        }
    }

    /** @return false when the session is over and must not read more */
    private boolean dispatch(ClientMessage message, long receivedNanos) {
        if (message instanceof ClientMessage.Addressed addressed && ClientMessage.SFU.equals(addressed.to())) {
            toSfu(addressed);
        } else if (message instanceof ClientMessage.Addressed addressed) {
            relay(addressed, receivedNanos);
        } else if (message instanceof ClientMessage.RaiseHand hand) {
            update(hand.id(), participant.id(), new ParticipantChange.HandRaised(hand.raised()));
        } else if (message instanceof ClientMessage.ChangeRole change) {
            update(change.id(), change.participantId(),
                    new ParticipantChange.RoleChanged(change.promote() ? Role.SPEAKER : Role.LISTENER));
        } else if (message instanceof ClientMessage.Mute mute) {
            update(mute.id(), mute.participantId(), new ParticipantChange.Muted(mute.muted()));
        } else if (message instanceof ClientMessage.Unpublish unpublish) {
            BroadcastMedia current = broadcastMedia(unpublish.id());
            if (current != null) {
                current.unpublish(unpublish.id());
            }
        } else if (message instanceof ClientMessage.Chat chat) {
            if (!services.roomMessages().tryAcquire(room.name(), System.nanoTime())) {
                fail(chat.id(), ErrorCode.RATE_LIMITED, "room-rate-limited", "room " + room.name() + " takes at most "
                        + services.roomMessages().perSecond() + " chat messages a second; try again shortly");
                return true;
            }
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
            outbox.close(CloseCodes.NORMAL, "left");
            return false;
        }
        return true;
    }

    private void update(String id, String target, ParticipantChange change) {
        room.update(participant.id(), target, change, seq -> ack(id, seq < 0 ? null : seq),
                refusal -> fail(id, code(refusal), refusal.getMessage()));
    }

    /** Signals to the room's SFU, in broadcast rooms: the publisher's offer, the subscriber's answer, candidates of both. */
    private void toSfu(ClientMessage.Addressed message) {
        BroadcastMedia current = broadcastMedia(message.id());
        if (current == null) {
            return;
        }
        if (message instanceof ClientMessage.Offer offer) {
            current.publish(offer, participant);
        } else if (message instanceof ClientMessage.Answer answer) {
            current.answer(answer);
        } else {
            current.candidate((ClientMessage.Candidate) message);
        }
    }

    /** The session's SFU media, or null after telling the client that its room is no broadcast. */
    private BroadcastMedia broadcastMedia(String requestId) {
        BroadcastMedia current = media;
        if (current == null) {
            fail(requestId, ErrorCode.BAD_REQUEST, "room " + claims.room()
                    + " is a mesh room: media goes to participants directly, not through the sfu");
        }
        return current;
    }

    private void startMedia(Room joinedRoom, Participant self, List<Participant> others) {
        if (joinedRoom.mode() != RoomMode.BROADCAST) {
            return;
        }
        BroadcastMedia started = new BroadcastMedia(services.sfu(), joinedRoom, self, new BroadcastMedia.Client() {
            @Override
            public void send(ServerMessage message) {
                reply(message);
            }

            @Override
            public void fail(String id, ErrorCode code, String message) {
                SignalingSession.this.fail(id, code, message);
            }
        });
        media = started;
        started.start(others);
    }

    /** A broadcast room's audience, which this session follows from now until it ends; null in mesh rooms. */
    private Audience enterAudience(Room joinedRoom, Participant self, List<Participant> others, long afterSeq) {
        if (joinedRoom.mode() != RoomMode.BROADCAST) {
            return null;
        }
        List<Participant> seed = new ArrayList<>(others.size() + 1);
        seed.addAll(others);
        seed.add(self);
        Audience entered = services.audiences().enter(claims.room(), seed, afterSeq);
        audience.set(entered);
        return entered;
    }

    private RoomMode requestedMode() {
        return claims.roomMode() != null ? claims.roomMode() : services.defaultMode();
    }

    private void relay(ClientMessage.Addressed message, long receivedNanos) {
        Signal signal;
        String from = participant.id();
        if (message instanceof ClientMessage.Offer offer) {
            signal = new Signal(claims.room(), from, offer.to(), Signal.Kind.OFFER, offer.sdp());
        } else if (message instanceof ClientMessage.Answer answer) {
            signal = new Signal(claims.room(), from, answer.to(), Signal.Kind.ANSWER, answer.sdp());
        } else {
            ClientMessage.Candidate candidate = (ClientMessage.Candidate) message;
            signal = new Signal(claims.room(), from, candidate.to(), Signal.Kind.CANDIDATE, candidate.candidate());
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
        if (signal.kind() == Signal.Kind.HANDOVER) {
            if (signal.body().equals(sessionId)) {
                supersede(true);
            }
            return;
        }
        if (signal.kind() == Signal.Kind.REMOVED) {
            removed(LeaveReason.fromWire(signal.body()));
            return;
        }
        synchronized (heldSignals) {
            State current = state.get();
            if (current == State.JOINING || current == State.DETACHED) {
                if (heldSignals.size() < MAX_HELD_SIGNALS) {
                    heldSignals.add(signal);
                } else {
                    services.metrics().lost("signal", 1);
                    log.warn("{} is away and already holds {} signals; a {} from {} is dropped", participant.id(),
                            MAX_HELD_SIGNALS, signal.kind().name().toLowerCase(Locale.ROOT), signal.from());
                }
                return;
            }
        }
        forward(signal);
    }

    private void forward(Signal signal) {
        if (signal.kind() == Signal.Kind.DATA) {
            reply(new ServerMessage.Message(signal.from(), signal.body(), System.currentTimeMillis()));
            return;
        }
        reply(new ServerMessage.Relayed(signal.kind().name().toLowerCase(Locale.ROOT), signal.from(), signal.body()));
    }

    /** The room's events for this session; those its {@code joined} covered never come. */
    private class Feed implements RoomListener {
        @Override
        public void event(RoomEvent event) {
            if (state.get() == State.DETACHED || state.get() == State.ENDED) {
                return; // a resume replays what a detached session missed
            }
            if (event instanceof RoomEvent.ParticipantUpdated updated && updated.participant().id().equals(participant.id())) {
                participant = updated.participant(); // a new role, or muted: what this session may do follows
            }
            BroadcastMedia current = media;
            if (current != null) {
                current.onEvent(event);
            }
            Audience following = audience.get();
            if (following != null && following.quiet(event)) {
                return;
            }
            Fanout.Encoded encoded = services.fanout().encode(event);
            services.metrics().messageOut(encoded.type);
            if (!outbox.hold(encoded.utf8)) {
                slowConsumer();
            }
        }

        @Override
        public void flush() {
            outbox.flush();
        }
    }

    /** A frame encoded once for many sessions; {@code type} is its message type, for the metrics. */
    void push(String frame, String type) {
        services.metrics().messageOut(type);
        send(frame);
    }

    private void ack(String id, Long seq) {
        if (id != null) {
            reply(new ServerMessage.Ack(id, seq));
        }
    }

    private void fail(String id, ErrorCode code, String message) {
        fail(id, code, code.wireName(), message);
    }

    /** @param counted what {@code bifrost_errors_total{code}} counts it as: the code, or which limit refused */
    private void fail(String id, ErrorCode code, String counted, String message) {
        services.metrics().error(counted);
        reply(new ServerMessage.Error(id, code, message));
    }

    private void reply(ServerMessage message) {
        services.metrics().messageOut(message.type());
        send(services.codec().encode(message));
    }

    private void send(String frame) {
        if (!outbox.send(frame)) {
            slowConsumer();
        }
    }

    private void slowConsumer() {
        if (lost(LeaveReason.SLOW_CONSUMER)) {
            log.warn("{} in room {} stopped reading: {} frames queued, disconnected",
                    participant.id(), claims.room(), services.limits().outboundQueueFrames());
            outbox.abort();
        }
    }

    // ------------------------------------------------------------------ ending

    /** The sweeper's check: a client silent for the ping timeout is gone; a detached session past its window leaves. */
    void checkAlive(long now) {
        State current = state.get();
        if (current == State.DETACHED) {
            if (now - detachedAtNanos > services.limits().resumeWindow().toNanos()) {
                LeaveReason reason = detachedReason;
                if (end(reason)) {
                    log.info("{} was not resumed within {} ms and left room {} ({})", participant.id(),
                            services.limits().resumeWindow().toMillis(), claims.room(), reason.wireName());
                }
            }
            return;
        }
        long silentMillis = (now - lastHeardNanos) / NANOS_PER_MILLI;
        if (current == State.LIVE && silentMillis > services.limits().pingTimeout().toMillis() && lost(LeaveReason.TIMEOUT)) {
            log.info("{} in room {} silent for {} ms, disconnected", participant.id(), claims.room(), silentMillis);
            outbox.close(CloseCodes.NORMAL, "ping-timeout");
        }
    }

    /**
     * The sweeper's other check: a live session whose token expires soon (see
     * {@link TokenRefresh.Term#due}), or no longer says what the participant is (promoted,
     * demoted, given other permissions or metadata), is sent a fresh one. A session that is away
     * gets none: once resumed, it is checked again with the token it resumed with.
     */
    void refreshToken(Instant now) {
        TokenRefresh.Term term = tokenTerm;
        if (term == null || state.get() != State.LIVE) {
            return;
        }
        Participant current = participant;
        if (!term.due(now) && sameTokenClaims(current, tokenCarries)) {
            return;
        }
        TokenRefresh.Fresh fresh;
        try {
            fresh = services.tokens().issue(claims, current, term);
        } catch (RuntimeException e) {
            // Not again for this session: the sweep runs every second, and so would the failure.
            tokenTerm = null;
            log.warn("{} in room {} cannot be sent a fresh token: {}", current.id(), claims.room(), e.getMessage());
            return;
        }
        tokenTerm = fresh.term();
        tokenCarries = current;
        tokens.put(TokenIds.of(fresh.token()), fresh.term().expiresAt());
        if (state.get() != State.LIVE) {
            return; // left (or dropped) meanwhile: no token after the session is over
        }
        reply(new ServerMessage.Token(fresh.token(), fresh.term().expiresAt().toEpochMilli()));
        services.metrics().tokenRefreshed();
        log.debug("{} in room {} was sent a fresh token, valid until {}", current.id(), claims.room(),
                fresh.term().expiresAt());
    }

    /** Whether two states of a participant make the same join token. */
    private static boolean sameTokenClaims(Participant a, Participant b) {
        return a.role() == b.role() && a.grants().equals(b.grants()) && a.name().equals(b.name())
                && a.metadata().equals(b.metadata());
    }

    /**
     * The node is stopping. With a cluster, the session is kept for the resume window, so that
     * its client resumes on another node; on a single node it ends now.
     */
    void shutdown() {
        if (state.get() != State.ENDED) {
            reply(new ServerMessage.Disconnect("server-shutdown", true));
        }
        boolean first = services.sessions().resumableAfterShutdown() ? lost(LeaveReason.SERVER_SHUTDOWN) : end(LeaveReason.SERVER_SHUTDOWN);
        if (first) {
            outbox.close(CloseCodes.GOING_AWAY, "server-shutdown");
        }
    }

    /** Ends a session that is still detached when the node stops; nobody resumed it elsewhere in time. */
    void endDetached() {
        if (state.get() == State.DETACHED) {
            end(detachedReason);
        }
    }

    /** @return false when the session had no connection left to drop */
    boolean drop() {
        if (lost(LeaveReason.DISCONNECTED)) {
            outbox.abort();
            return true;
        }
        return false;
    }

    /**
     * The transport refused a frame of this client and is closing the connection: counted as the
     * errors the session answers itself are.
     *
     * @param code {@code frame-too-large} or {@code not-utf8}
     */
    public void frameRefused(String code) {
        services.metrics().error(code);
    }

    /**
     * The transport saw the connection close or fail.
     *
     * @param closeCode the close code, {@link CloseCodes#ABNORMAL} for a connection that failed without one
     */
    public void closed(int closeCode) {
        if (state.get() == State.DETACHED) {
            return; // already waiting for a resume; this is the echo of our own close or abort
        }
        if (closeCode == CloseCodes.NORMAL || closeCode == CloseCodes.GOING_AWAY) {
            end(LeaveReason.LEFT);
        } else {
            lost(LeaveReason.DISCONNECTED);
        }
    }

    /**
     * The connection is gone (or being cut) without a goodbye: the session waits for its client
     * to resume, or ends at once when resume is off or it never joined.
     *
     * @return whether this call ended the session's connection (the first to notice)
     */
    private boolean lost(LeaveReason reason) {
        if (services.limits().resumeWindow().isZero() || room == null) {
            return end(reason); // resume is off, or the session never joined
        }
        detachedReason = reason;
        detachedAtNanos = System.nanoTime();
        // From JOINING too: the client may have its first frame before the session goes live.
        if (!state.compareAndSet(State.LIVE, State.DETACHED) && !state.compareAndSet(State.JOINING, State.DETACHED)) {
            return false;
        }
        services.metrics().disconnect(reason.wireName());
        log.info("{} lost its connection to room {} ({}); resumable for {} ms", participant.id(), claims.room(),
                reason.wireName(), services.limits().resumeWindow().toMillis());
        return true;
    }

    /**
     * This session took over one of this node's: the tokens that one was admitted with or sent
     * are spent with this one's when it leaves, so that none of them joins again (a resume with a
     * fresh token would otherwise leave the original one unspent). A session taken over from
     * another node keeps its tokens there.
     */
    void inheritTokens(SignalingSession from) {
        tokens.putAll(from.tokens);
    }

    private Map<String, Long> expiriesMillis() {
        Map<String, Long> millis = new HashMap<>();
        tokens.forEach((id, expiresAt) -> millis.put(id, expiresAt.toEpochMilli()));
        return millis;
    }

    /**
     * The session was resumed on another connection, on this node or (when {@code elsewhere})
     * on another: this one lets go without leaving the room, and passes on the signals it held.
     */
    void supersede(boolean elsewhere) {
        State previous = state.getAndSet(State.ENDED);
        if (previous == State.ENDED) {
            return;
        }
        releaseResources();
        services.sessions().remove(this);
        if (previous == State.LIVE) {
            outbox.close(CloseCodes.NORMAL, "resumed-elsewhere");
        }
        if (elsewhere) {
            room.handedOver(participant.id());
            // The node it resumed on knows only the token it resumed with: ours are spent when it leaves there.
            services.spentTokens().handOn(sessionId, expiriesMillis());
        }
        List<Signal> held;
        synchronized (heldSignals) {
            held = new ArrayList<>(heldSignals);
            heldSignals.clear();
        }
        for (Signal signal : held) {
            room.relay(signal, refusal -> {
                if (refusal != null) {
                    services.metrics().lost("signal", 1);
                }
            });
        }
    }

    /**
     * The room removed this participant (the app's backend did, or the same identity joined
     * again): the client is told why and must not come back with this session.
     */
    private void removed(LeaveReason reason) {
        State previous = state.get();
        if (previous == State.ENDED) {
            return;
        }
        if (previous != State.DETACHED) {
            reply(new ServerMessage.Disconnect(reason.wireName(), false));
        }
        // Leaving again is harmless: the room no longer holds the participant and announces nothing.
        if (end(reason)) {
            outbox.close(CloseCodes.NORMAL, reason.wireName());
        }
    }

    /** Ends the session on a node the cluster declared dead: its participant was already removed. */
    void abandon() {
        if (state.getAndSet(State.ENDED) != State.ENDED) {
            releaseResources();
            services.sessions().remove(this);
            outbox.close(CloseCodes.GOING_AWAY, "node-failure");
        }
    }

    /** Leaves the room once, whichever of the ways to end a session comes first. */
    private boolean end(LeaveReason reason) {
        State previous = state.getAndSet(State.ENDED);
        if (previous == State.ENDED) {
            return false;
        }
        // Gone from this node before the room announces it: whoever hears the leave finds no session.
        services.sessions().remove(this);
        releaseResources();
        if (reason == LeaveReason.LEFT || reason == LeaveReason.REMOVED) {
            // Every token this session held, the fresh ones too: each would otherwise let it back in.
            tokens.forEach((id, expiresAt) -> services.spentTokens().spend(id, expiresAt.toEpochMilli()));
            services.spentTokens().spendHandedOn(sessionId); // those of the nodes it was on before, resumed here
        }
        Room joinedRoom = room;
        if (joinedRoom != null) {
            joinedRoom.leave(participant.id(), reason);
            log.info("{} left room {} ({})", participant.id(), claims.room(), reason.wireName());
        }
        if (previous != State.DETACHED) {
            services.metrics().disconnect(reason.wireName()); // a detached session was counted when it dropped
        }
        return true;
    }

    private void releaseResources() {
        Audience followed = audience.getAndSet(null);
        if (followed != null) {
            services.audiences().leave(claims.room(), followed, this);
        }
        BroadcastMedia current = media;
        if (current != null) {
            current.close();
        }
        ClusterBus.Subscription subscription = events;
        if (subscription != null) {
            subscription.close();
        }
        ClusterBus.Subscription registration = inbox;
        if (registration != null) {
            registration.close();
        }
    }

    private static Participant newParticipant(JoinClaims claims) {
        return new Participant(Ids.participant(), claims.identity(), claims.name(), claims.role(), claims.grants(),
                claims.metadata());
    }

    /** The wire code of a room's refusal. */
    static ErrorCode code(RoomException e) {
        switch (e.kind()) {
            case ROOM_FULL: return ErrorCode.ROOM_FULL;
            case DUPLICATE_IDENTITY: return ErrorCode.DUPLICATE_IDENTITY;
            case NOT_FOUND: return ErrorCode.NOT_FOUND;
            case FORBIDDEN: return ErrorCode.FORBIDDEN;
            case INTERNAL: return ErrorCode.INTERNAL;
            default: return ErrorCode.BAD_REQUEST;
        }
    }
}
