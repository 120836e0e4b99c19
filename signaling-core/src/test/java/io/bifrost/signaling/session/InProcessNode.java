package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.bifrost.auth.Grants;
import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.cluster.LocalBus;
import io.bifrost.rooms.hooks.HookSink;
import io.bifrost.rooms.room.DuplicateIdentity;
import io.bifrost.rooms.room.LocalRooms;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.rooms.room.SpentTokens;
import io.bifrost.rooms.testing.ManualExecutor;
import io.bifrost.sfu.FakeSfuBridge;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ParticipantInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * One node's sessions wired in process as a single node wires them, with rooms that run only
 * when the test lets them (so nothing happens between two steps) and an SFU that answers at
 * once. A test drives it step by step through {@link ScriptedClient}s and, after every step,
 * {@link #check}s what the clients see against what the rooms and the SFU hold.
 */
final class InProcessNode implements AutoCloseable {
    static final String STAGE = "stage";
    /** A room whose one participant does nothing: what happens on the stage must never reach it. */
    static final String ELSEWHERE = "elsewhere";
    /** Small limits, so that a short script reaches them: rate limits, frame size, history, capacity. */
    static final SessionLimits LIMITS = new SessionLimits(2048, 20, 10, 256, Duration.ofSeconds(10),
            Duration.ofHours(1), Duration.ofSeconds(15), 40);
    private static final int CAPACITY = 6;
    /** Listeners a broadcast room lists before it is a large audience: a script of four clients reaches it. */
    private static final int LARGE_AUDIENCE = 2;
    private static final int HISTORY_EVENTS = 32;
    /** Meters register once per JVM; every node of a run shares them as every session of a node does. */
    private static final BifrostMetrics METRICS = new BifrostMetrics();
    private static final AtomicInteger TOKENS = new AtomicInteger();

    final Codec codec = new Codec();
    final FakeSfuBridge sfu = new FakeSfuBridge();
    final List<ScriptedClient> clients = new ArrayList<>();
    private final ManualExecutor roomThreads = new ManualExecutor();
    private final LocalBus bus = new LocalBus(HISTORY_EVENTS);
    private final LocalRooms rooms;
    private final Sessions sessions;
    private final ErrorLog errors = new ErrorLog();
    /** What sessions set for later (reading a paced client again), due as the script's time passes. */
    private final Later later = new Later();
    private final RoomMode stageMode;
    private final ScriptedClient bystander;
    private final int bystanderFrames;
    private long now = System.nanoTime();

    InProcessNode(RoomMode stageMode) {
        this.stageMode = stageMode;
        this.rooms = new LocalRooms(bus, roomThreads, CAPACITY, DuplicateIdentity.ALLOW, this::emptied, HookSink.NONE);
        this.sessions = new Sessions(rooms, bus, new Fanout(codec), codec, METRICS, LIMITS,
                new IceServers(List.of(), null, Duration.ofHours(1), Clock.systemUTC()), RoomMode.MESH, sfu, LARGE_AUDIENCE, false,
                new TokenRefresh(Map.of(), Clock.systemUTC()), SpentTokens.NONE, later::add);
        this.bystander = join("bystander", ELSEWHERE, Role.SPEAKER, RoomMode.MESH);
        settle();
        this.bystanderFrames = bystander.received.size();
        assertThat(bystander.live).as("the bystander joined").isTrue();
    }

    String bystanderId() {
        return bystander.participantId;
    }

    /** As the node does: an empty broadcast room's SFU room goes. */
    private void emptied(String room, RoomMode mode) {
        if (mode == RoomMode.BROADCAST) {
            sfu.close(room);
        }
    }

    ScriptedClient join(String identity, Role role) {
        return join(identity, STAGE, role, stageMode);
    }

    private ScriptedClient join(String identity, String room, Role role, RoomMode mode) {
        ScriptedClient client = new ScriptedClient(codec, identity, room, role);
        clients.add(client);
        client.session = sessions.open(claims(identity, room, role, mode), "t" + TOKENS.incrementAndGet(), null, client);
        client.session.start();
        return client;
    }

    /** A new connection of the same client, asking for its session back after {@code lastSeq}. */
    ScriptedClient resume(ScriptedClient old, long lastSeq) {
        old.endAsked = true; // the server lets go of the old connection once the new one has the session
        ScriptedClient client = new ScriptedClient(codec, old.identity, old.room, old.role);
        clients.add(client);
        client.participantId = old.participantId;
        client.view.putAll(old.view);
        client.listed = old.listed; // the SDKs keep their list, and whether it is pruned, across a resume
        client.lastSeq = lastSeq;
        client.session = sessions.open(claims(old.identity, old.room, old.role, stageMode), "t" + TOKENS.incrementAndGet(),
                new ResumeRequest(old.sessionId, lastSeq), client);
        client.sessionId = old.sessionId;
        client.session.start();
        return client;
    }

    private static JoinClaims claims(String identity, String room, Role role, RoomMode mode) {
        Instant issued = Instant.now();
        return new JoinClaims(identity, identity, room, role, role.defaultGrants(), "", issued, issued,
                issued.plus(Duration.ofHours(1)), "fuzz", mode);
    }

    /** A text frame from the client, if its session reads one now (as Jetty delivers only what was demanded). */
    void text(ScriptedClient client, String frame) {
        if (client.open() && client.reading) {
            client.reading = false;
            client.session.onText(frame, tick());
        }
    }

    void binary(ScriptedClient client) {
        if (client.open() && client.reading) {
            client.reading = false;
            client.session.onBinary(tick());
        }
    }

    /** The client closes its side: cleanly (a close frame), or the network drops it. */
    void hangUp(ScriptedClient client, boolean clean) {
        if (!client.gone) {
            client.gone = true;
            client.live = false;
            client.session.closed(clean ? CloseCodes.NORMAL : CloseCodes.ABNORMAL);
        }
    }

    /** Time passes; the node's sweeper runs, as it does every second. */
    void await(Duration pause) {
        now = tick() + pause.toNanos();
        later.runDue(pause.toNanos());
        sessions.sweep(now);
    }

    /** The app's backend removes a participant (the REST API's DELETE). */
    void remove(ScriptedClient client) {
        if (client.participantId != null) {
            clients.stream().filter(c -> client.participantId.equals(c.participantId)).forEach(c -> c.endAsked = true);
            ignoreRefusal(rooms.remove(STAGE, client.participantId));
        }
    }

    /** The app's backend gives a participant another role (the REST API's PATCH). */
    void changeRole(ScriptedClient client, Role role) {
        if (client.participantId != null) {
            ignoreRefusal(rooms.change(STAGE, client.participantId, new ParticipantChange.RoleChanged(role)));
        }
    }

    /** The app's backend gives a participant the right to publish or takes it, its role staying (the REST API's PATCH). */
    void changePublishing(ScriptedClient client, boolean canPublish) {
        if (client.participantId != null) {
            ignoreRefusal(rooms.change(STAGE, client.participantId,
                    new ParticipantChange.PermissionsChanged(new Grants(canPublish, true, true, false, false))));
        }
    }

    /** The app's backend mutes or unmutes a participant, or changes its metadata (the REST API's mute and PATCH). */
    void change(ScriptedClient client, ParticipantChange change) {
        if (client.participantId != null) {
            ignoreRefusal(rooms.change(STAGE, client.participantId, change));
        }
    }

    /** The app's backend posts to the room, or sends a participant a message (the REST API's messages). */
    void post(ScriptedClient client, String text) {
        ignoreRefusal(client.participantId == null ? rooms.post(STAGE, text, System.currentTimeMillis())
                : rooms.message(STAGE, client.participantId, text));
    }

    private static void ignoreRefusal(CompletionStage<?> request) {
        request.exceptionally(refused -> null);
    }

    private long tick() {
        now = Math.max(now, System.nanoTime());
        return now;
    }

    /** Lets the rooms run, and the transport report the closes the server made, until nothing more happens. */
    void settle() {
        boolean busy = true;
        while (busy) {
            busy = roomThreads.runAll() > 0;
            for (ScriptedClient client : List.copyOf(clients)) {
                if (client.ending != null && !client.endingReported) {
                    client.endingReported = true;
                    busy = true;
                    if (!client.gone) { // the transport's echo of a close or abort the server made
                        client.gone = true;
                        client.session.closed(client.ending.code());
                    }
                }
            }
        }
    }

    /**
     * What must hold between any two steps, whatever the clients sent: no server fault; the
     * bystander in the other room saw nothing; no connection was ended but by its own client's
     * doing; every live client's room is the room; SFU endpoints only for those present and allowed.
     */
    void check() {
        assertThat(errors.logged).as("errors the server logged").isEmpty();
        for (ScriptedClient client : clients) {
            assertThat(client.sawInternalError()).as("%s was answered with an internal error: %s", client.identity,
                    client.received).isFalse();
            if (client.ending != null) {
                assertThat(client.endedByItself()).as("%s's connection ended (%s) though it neither left nor resumed"
                        + " elsewhere, nor was removed or refused", client.identity, client.ending).isTrue();
            }
        }
        assertThat(bystander.received).as("frames the bystander got").hasSize(bystanderFrames);
        assertThat(bystander.ending).as("the bystander's connection").isNull();
        Map<String, Participant> present = stage();
        for (ScriptedClient client : clients) {
            if (client != bystander && client.live && client.open()) {
                Map<String, ParticipantInfo> expected = new TreeMap<>();
                present.values().stream().filter(p -> !p.hidden()).map(ParticipantInfo::of).filter(client::lists)
                        .forEach(p -> expected.put(p.id(), p));
                assertThat(new TreeMap<>(client.view)).as("the room as %s's frames describe it (listed: %s)", client.identity,
                        client.listed).isEqualTo(expected);
            }
        }
        for (String endpoint : sfu.endpoints(STAGE)) {
            String[] parts = endpoint.split(" ");
            Participant owner = present.get(parts[0]);
            assertThat(owner).as("the SFU's %s belongs to someone in the room", endpoint).isNotNull();
            if (parts[1].equals("PUBLISH")) {
                assertThat(owner.grants().canPublish()).as("%s may publish", endpoint).isTrue();
            }
        }
        if (present.isEmpty()) {
            assertThat(sfu.isOpen(STAGE)).as("the SFU room of an empty stage").isFalse();
        }
    }

    /** Everyone leaves, the resume window passes: nothing of the stage may be left anywhere. */
    void finish() {
        for (ScriptedClient client : List.copyOf(clients)) {
            if (client != bystander) {
                hangUp(client, true);
            }
        }
        settle();
        await(LIMITS.resumeWindow().plusSeconds(1));
        settle();
        check();
        assertThat(stage()).as("participants left on the stage").isEmpty();
        assertThat(bus.hasRoom(STAGE)).as("the stage is still open").isFalse();
        assertThat(sfu.endpoints(STAGE)).as("SFU endpoints left").isEmpty();
        assertThat(sessions.count()).as("sessions left besides the bystander's").isEqualTo(1);
    }

    private Map<String, Participant> stage() {
        CompletableFuture<List<Participant>> asked = rooms.participants(STAGE).toCompletableFuture();
        settle();
        Map<String, Participant> byId = new TreeMap<>();
        asked.exceptionally(notFound -> List.of()).join().forEach(p -> byId.put(p.id(), p));
        return byId;
    }

    @Override
    public void close() {
        errors.stop();
    }

    /** The node's scheduler on the script's time: a task runs once the script waited its delay. */
    private static final class Later {
        private record Task(long dueNanos, Runnable run) {}

        private final List<Task> tasks = new ArrayList<>();
        private long waitedNanos;

        void add(Runnable task, long delayNanos) {
            tasks.add(new Task(waitedNanos + delayNanos, task));
        }

        void runDue(long pauseNanos) {
            waitedNanos += pauseNanos;
            List<Task> due = tasks.stream().filter(t -> t.dueNanos() <= waitedNanos).toList();
            tasks.removeAll(due);
            due.forEach(t -> t.run().run());
        }
    }

    /**
     * Collects what the server logs at ERROR (a task or a handler that threw) and quiets the
     * rest of its logging while the node runs: a fuzzer runs thousands of scripts a minute.
     */
    private static final class ErrorLog extends AppenderBase<ILoggingEvent> {
        private final Logger server = (Logger) LoggerFactory.getLogger("io.bifrost");
        private final Level level = server.getLevel();
        final List<String> logged = new ArrayList<>();

        ErrorLog() {
            setContext(server.getLoggerContext());
            start();
            server.setLevel(Level.WARN);
            server.addAppender(this);
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
                String cause = event.getThrowableProxy() == null ? ""
                        : " " + event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage();
                logged.add(event.getLoggerName() + ": " + event.getFormattedMessage() + cause);
            }
        }

        @Override
        public void stop() {
            server.detachAppender(this);
            server.setLevel(level);
            super.stop();
        }
    }
}
