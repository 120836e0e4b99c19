package io.bifrost.rooms.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.LocalBus;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.hooks.RoomHook;
import io.bifrost.rooms.room.RoomEvent.ChatPosted;
import io.bifrost.rooms.room.RoomEvent.ParticipantJoined;
import io.bifrost.rooms.room.RoomEvent.ParticipantLeft;
import io.bifrost.rooms.room.RoomEvent.ParticipantUpdated;
import io.bifrost.rooms.testing.ManualExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoomTest {
    private static final String ROOM = "demo";
    /** Generous: a lost callback fails the test instead of hanging it, a slow CI machine still passes. */
    private static final long TIMEOUT_SECONDS = 20;
    /** Runs room tasks on the calling thread, so the simple tests are deterministic. */
    private static final Executor DIRECT = Runnable::run;
    private static final Grants HIDDEN_RECORDER = new Grants(false, true, false, false, true);
    /** Room events the bus keeps per room: more than any test publishes, so no replay is ever cut short. */
    private static final int HISTORY_LIMIT = 1_000;

    private final LocalBus bus = new LocalBus(HISTORY_LIMIT);
    /** Every event of {@link #ROOM}, in publication order. */
    private final List<RoomEvent> events = new CopyOnWriteArrayList<>();
    // From seq 0: the room does not exist yet, so this listener hears every event from the first.
    private final ClusterBus.Subscription subscription = bus.subscribe(ROOM, 0, events::add);
    private final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void stopPools() {
        pools.forEach(ExecutorService::shutdownNow);
        bus.close();
    }

    // ---------------------------------------------------------------- joining

    @Test
    void joinersGetIncreasingSeqsAndSeeTheOthersInJoinOrder() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);
        Participant carol = participant("carol", Role.LISTENER);

        Member a = join(rooms, alice);
        Member b = join(rooms, bob);
        Member c = join(rooms, carol);

        assertThat(a.seq()).isEqualTo(1);
        assertThat(a.others()).isEmpty();
        assertThat(b.seq()).isEqualTo(2);
        assertThat(b.others()).containsExactly(alice);
        assertThat(c.seq()).isEqualTo(3);
        assertThat(c.others()).containsExactly(alice, bob);
        assertThat(c.self()).isEqualTo(carol);
        assertThat(events).containsExactly(
                new ParticipantJoined(ROOM, 1, alice), new ParticipantJoined(ROOM, 2, bob), new ParticipantJoined(ROOM, 3, carol));
        assertThat(a.room()).isSameAs(b.room()).isSameAs(c.room());
        assertThat(a.room().size()).isEqualTo(3);
    }

    @Test
    void aRoomIsReportedEmptiedOnceItsLastParticipantLeavesHiddenOnesIncluded() {
        List<String> emptied = new ArrayList<>();
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10, (room, mode) -> emptied.add(room + " " + mode.wireName()));
        Member a = join(rooms, participant("alice", Role.HOST));
        Member r = join(rooms, participant("recorder", Role.LISTENER, HIDDEN_RECORDER));

        a.room().leave(a.self().id(), LeaveReason.LEFT);
        assertThat(emptied).as("the hidden recorder is still in").isEmpty();
        r.room().leave(r.self().id(), LeaveReason.LEFT);
        r.room().leave(r.self().id(), LeaveReason.LEFT);
        assertThat(emptied).containsExactly(ROOM + " mesh");

        Member again = join(rooms, participant("bob", Role.SPEAKER));
        again.room().leave(again.self().id(), LeaveReason.LEFT);
        assertThat(emptied).as("a new room of the same name empties again").hasSize(2);
    }

    @Test
    void theJoinedSnapshotLeavesOutSelfAndHiddenParticipants() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant recorder = participant("recorder", Role.LISTENER, HIDDEN_RECORDER);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);

        Member r = join(rooms, recorder);
        Member a = join(rooms, alice);
        Member b = join(rooms, bob);

        assertThat(a.others()).isEmpty();
        assertThat(b.others()).containsExactly(alice);
        assertThat(r.others()).isEmpty();
        assertThat(b.room().size()).as("hidden participants still count").isEqualTo(3);
    }

    @Test
    void aHiddenParticipantComingAndGoingProducesNoEvent() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant recorder = participant("recorder", Role.LISTENER, HIDDEN_RECORDER);
        Participant bob = participant("bob", Role.SPEAKER);

        Member a = join(rooms, alice);
        Member r = join(rooms, recorder);
        r.room().leave(recorder.id(), LeaveReason.LEFT);
        Member b = join(rooms, bob);

        assertThat(r.seq()).as("a hidden joiner sees the current state").isEqualTo(1);
        assertThat(b.seq()).as("no seq was spent on the hidden participant").isEqualTo(2);
        assertThat(events).containsExactly(new ParticipantJoined(ROOM, 1, alice), new ParticipantJoined(ROOM, 2, bob));
        assertThat(a.room().size()).isEqualTo(2);
    }

    @Test
    void aFullRoomRefusesTheNextJoinerWithRoomFull() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 2);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);
        join(rooms, participant("bob", Role.SPEAKER));

        Member c = join(rooms, participant("carol", Role.LISTENER));

        assertThat(c.joined()).isFalse();
        assertThat(c.refusal().kind()).isEqualTo(RoomException.Kind.ROOM_FULL);
        assertThat(c.refusal().getMessage()).contains(ROOM, "2");
        assertThat(rooms.isFull(ROOM)).isTrue();
        assertThat(events).hasSize(2);

        a.room().leave(alice.id(), LeaveReason.LEFT);
        Member d = join(rooms, participant("dave", Role.LISTENER));

        assertThat(rooms.isFull(ROOM)).isTrue();
        assertThat(d.joined()).as("a place freed by a leave is taken again").isTrue();
    }

    @Test
    void aRoomThatDoesNotExistIsNotFull() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 1);

        assertThat(rooms.isFull(ROOM)).isFalse();
        assertThat(rooms.capacity()).isEqualTo(1);
        assertThat(rooms.count()).as("asking creates no room").isZero();
    }

    @Test
    void roomsRefuseACapacityBelowOne() {
        assertThatThrownBy(() -> new LocalRooms(bus, DIRECT, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }

    // ---------------------------------------------------------------- leaving

    @Test
    void leavingTwiceIsHarmless() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);
        join(rooms, alice);
        Member b = join(rooms, bob);

        b.room().leave(bob.id(), LeaveReason.LEFT);
        b.room().leave(bob.id(), LeaveReason.DISCONNECTED);
        Member c = join(rooms, participant("carol", Role.LISTENER));

        assertThat(events.stream().filter(e -> e instanceof ParticipantLeft))
                .containsExactly(new ParticipantLeft(ROOM, 3, bob.id(), LeaveReason.LEFT));
        assertThat(c.seq()).isEqualTo(4);
        assertThat(c.others()).containsExactly(alice);
        assertThat(b.room().size()).isEqualTo(2);
    }

    @Test
    void aRoomEmptiedAndRetiredIsCreatedAgainOnTheNextJoin() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);

        a.room().leave(alice.id(), LeaveReason.LEFT);

        assertThat(rooms.count()).isZero();

        // Nobody listens to the room any more, as when its last participant's session ended.
        subscription.close();
        List<RoomEvent> heard = new ArrayList<>();
        bus.subscribe(ROOM, 0, heard::add);
        Participant bob = participant("bob", Role.SPEAKER);
        Member b = join(rooms, bob);

        assertThat(b.joined()).isTrue();
        assertThat(b.others()).isEmpty();
        assertThat(b.room()).isNotSameAs(a.room());
        assertThat(rooms.count()).isEqualTo(1);
        assertThat(heard).containsExactly(new ParticipantJoined(ROOM, 1, bob));
    }

    /*
     * A node's listener of a room can outlive the room: a session of the old room not yet gone, or
     * a newcomer already listening. The new room's events must still reach it, and a newcomer
     * that listens from its own join must not be handed the old room's events.
     */
    @Test
    void theEventsOfARecreatedRoomReachAListenerThatStayedSubscribed() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);
        Participant carol = participant("carol", Role.LISTENER);
        Member a = join(rooms, alice);
        a.room().leave(alice.id(), LeaveReason.LEFT);

        Member b = join(rooms, bob);
        List<RoomEvent> bobHears = new ArrayList<>();
        bus.subscribe(ROOM, b.seq(), bobHears::add);
        Member c = join(rooms, carol);

        assertThat(c.seq()).isGreaterThan(b.seq());
        assertThat(events).hasSize(4);
        assertThat(events.subList(2, 4)).containsExactly(
                new ParticipantJoined(ROOM, b.seq(), bob), new ParticipantJoined(ROOM, c.seq(), carol));
        assertThat(bobHears).containsExactly(new ParticipantJoined(ROOM, c.seq(), carol));
    }

    @Test
    void aJoinQueuedBehindTheLastLeaveLandsInANewRoom() {
        ManualExecutor pool = new ManualExecutor();
        LocalRooms rooms = new LocalRooms(bus, pool, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = new Member();
        rooms.join(ROOM, alice, a.sessionId(), RoomMode.MESH, a);
        pool.runAll();
        Room first = a.room();

        // The leave and the join are both queued on the old room before either runs:
        // the join finds the room closed by the leave.
        first.leave(alice.id(), LeaveReason.LEFT);
        Participant bob = participant("bob", Role.SPEAKER);
        Member b = new Member();
        rooms.join(ROOM, bob, b.sessionId(), RoomMode.MESH, b);
        pool.runAll();

        assertThat(b.joined()).isTrue();
        assertThat(b.room()).isNotSameAs(first);
        assertThat(b.others()).isEmpty();
        assertThat(rooms.count()).isEqualTo(1);
        assertThat(b.room().size()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- signals

    @Test
    void aSignalReachesTheRecipientsInbox() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.LISTENER);
        Member a = join(rooms, alice);
        join(rooms, bob);
        List<Signal> bobInbox = new ArrayList<>();
        bus.registerInbox(bob.id(), bobInbox::add);
        Signal offer = new Signal(ROOM, alice.id(), bob.id(), Signal.Kind.OFFER, "v=0\r\n");

        Outcome outcome = relay(a.room(), offer);

        assertThat(outcome.done()).isTrue();
        assertThat(outcome.error()).isNull();
        assertThat(bobInbox).containsExactly(offer);
    }

    @Test
    void aSignalToSomeoneNotInTheRoomIsNotFound() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);

        Outcome outcome = relay(a.room(), new Signal(ROOM, alice.id(), "p_nope00000000", Signal.Kind.OFFER, "v=0\r\n"));

        assertThat(outcome.error().kind()).isEqualTo(RoomException.Kind.NOT_FOUND);
        assertThat(outcome.error().getMessage()).contains("p_nope00000000", ROOM);
    }

    @Test
    void aSignalToAParticipantOfAnotherRoomIsNotFoundAndNotDelivered() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant eve = participant("eve", Role.SPEAKER);
        Member a = join(rooms, alice);
        Member e = new Member();
        rooms.join("other-room", eve, e.sessionId(), RoomMode.MESH, e);
        List<Signal> eveInbox = new ArrayList<>();
        bus.registerInbox(eve.id(), eveInbox::add);

        Outcome outcome = relay(a.room(), new Signal(ROOM, alice.id(), eve.id(), Signal.Kind.OFFER, "v=0\r\n"));

        assertThat(e.joined()).isTrue();
        assertThat(outcome.error().kind()).isEqualTo(RoomException.Kind.NOT_FOUND);
        assertThat(eveInbox).isEmpty();
    }

    @Test
    void aSignalToOneselfIsNotFound() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);
        List<Signal> aliceInbox = new ArrayList<>();
        bus.registerInbox(alice.id(), aliceInbox::add);

        Outcome outcome = relay(a.room(), new Signal(ROOM, alice.id(), alice.id(), Signal.Kind.CANDIDATE, null));

        assertThat(outcome.error().kind()).isEqualTo(RoomException.Kind.NOT_FOUND);
        assertThat(aliceInbox).isEmpty();
    }

    @Test
    void aSignalToAParticipantWhoseConnectionIsGoneIsNotFound() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);
        Member a = join(rooms, alice);
        join(rooms, bob); // in the room, but no inbox registered

        Outcome outcome = relay(a.room(), new Signal(ROOM, alice.id(), bob.id(), Signal.Kind.ANSWER, "v=0\r\n"));

        assertThat(outcome.error().kind()).isEqualTo(RoomException.Kind.NOT_FOUND);
    }

    @Test
    void aParticipantThatNeitherPublishesNorSubscribesMayNotSignal() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant chatOnly = participant("bot", Role.LISTENER, new Grants(false, false, true, false, false));
        Participant bob = participant("bob", Role.SPEAKER);
        Member c = join(rooms, chatOnly);
        join(rooms, bob);
        List<Signal> bobInbox = new ArrayList<>();
        bus.registerInbox(bob.id(), bobInbox::add);

        Outcome outcome = relay(c.room(), new Signal(ROOM, chatOnly.id(), bob.id(), Signal.Kind.OFFER, "v=0\r\n"));

        assertThat(outcome.error().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
        assertThat(outcome.error().getMessage()).contains(chatOnly.id());
        assertThat(bobInbox).isEmpty();
    }

    @Test
    void aSignalFromSomeoneNotInTheRoomIsForbidden() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant bob = participant("bob", Role.SPEAKER);
        Member b = join(rooms, bob);
        bus.registerInbox(bob.id(), s -> { });

        Outcome outcome = relay(b.room(), new Signal(ROOM, "p_stranger0000", bob.id(), Signal.Kind.OFFER, "v=0\r\n"));

        assertThat(outcome.error().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
    }

    // ---------------------------------------------------------------- chat

    @Test
    void chatIsPublishedWithTheNextSeq() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.LISTENER);
        Member a = join(rooms, alice);
        AtomicLong posted = new AtomicLong(-1);

        a.room().chat(alice.id(), "hello", 1_795_338_000_000L, posted::set, e -> { throw new AssertionError(e); });

        assertThat(posted.get()).isEqualTo(2);
        assertThat(events).endsWith(new ChatPosted(ROOM, 2, alice.id(), "hello", 1_795_338_000_000L));
    }

    @Test
    void chatNeedsCanPublishData() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant mute = participant("mute", Role.SPEAKER, new Grants(true, true, false, false, false));
        Member m = join(rooms, mute);
        AtomicReference<RoomException> refused = new AtomicReference<>();
        AtomicLong posted = new AtomicLong(-1);

        m.room().chat(mute.id(), "hello", 1L, posted::set, refused::set);

        assertThat(refused.get().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
        assertThat(refused.get().getMessage()).contains(mute.id(), ROOM);
        assertThat(posted.get()).isEqualTo(-1);
        assertThat(events).noneMatch(e -> e instanceof ChatPosted);
    }

    @Test
    void aHiddenParticipantMayNotChatEvenWithCanPublishData() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant moderatorTool = participant("tool", Role.LISTENER, new Grants(false, true, true, false, true));
        Member m = join(rooms, moderatorTool);
        AtomicReference<RoomException> refused = new AtomicReference<>();
        AtomicLong posted = new AtomicLong(-1);

        m.room().chat(moderatorTool.id(), "hello", 1L, posted::set, refused::set);

        assertThat(refused.get().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
        assertThat(posted.get()).isEqualTo(-1);
        assertThat(events).as("its message would reveal it").isEmpty();
    }

    // ---------------------------------------------------------------- resuming

    @Test
    void resumingWithTheSessionIdGivesTheSameParticipantBackInTheSameRoom() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);
        join(rooms, participant("bob", Role.SPEAKER));

        Resume resumed = resume(rooms, ROOM, a.sessionId(), "alice");

        assertThat(resumed.refusal()).isNull();
        assertThat(resumed.self()).isEqualTo(alice);
        assertThat(resumed.room()).isSameAs(a.room());
        assertThat(a.room().size()).as("nobody was added or removed").isEqualTo(2);
    }

    @Test
    void aResumeProducesNoEventAndTheRoomsSeqGoesOn() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);
        join(rooms, alice);
        Member b = join(rooms, bob);
        List<RoomEvent> before = List.copyOf(events);

        resume(rooms, ROOM, b.sessionId(), "bob");
        Member c = join(rooms, participant("carol", Role.LISTENER));

        assertThat(events.subList(0, before.size())).as("the others saw nothing of the resume").isEqualTo(before);
        assertThat(events).hasSize(before.size() + 1);
        assertThat(c.seq()).isEqualTo(3);
        assertThat(c.others()).containsExactly(alice, bob);
    }

    @Test
    void aResumedParticipantChatsUnderItsOwnIdWithTheNextSeq() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);
        Resume resumed = resume(rooms, ROOM, a.sessionId(), "alice");
        AtomicLong posted = new AtomicLong(-1);

        resumed.room().chat(resumed.self().id(), "back", 7L, posted::set, e -> { throw new AssertionError(e); });

        assertThat(posted.get()).isEqualTo(2);
        assertThat(events).endsWith(new ChatPosted(ROOM, 2, alice.id(), "back", 7L));
    }

    @Test
    void aSessionCanBeResumedAgainAfterAnotherDrop() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);

        Resume first = resume(rooms, ROOM, a.sessionId(), "alice");
        Resume second = resume(rooms, ROOM, a.sessionId(), "alice");

        assertThat(first.self()).isEqualTo(alice);
        assertThat(second.self()).isEqualTo(alice);
    }

    @Test
    void resumeIsRefusedForAnUnknownSession() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        join(rooms, participant("alice", Role.HOST));
        String unknown = Ids.session();

        Resume refused = resume(rooms, ROOM, unknown, "alice");

        assertThat(refused.self()).isNull();
        assertThat(refused.refusal()).contains(unknown, ROOM);
        assertThat(events).hasSize(1);
    }

    @Test
    void resumeIsRefusedForAnotherIdentity() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member a = join(rooms, participant("alice", Role.HOST));

        Resume refused = resume(rooms, ROOM, a.sessionId(), "mallory");

        assertThat(refused.self()).isNull();
        assertThat(refused.refusal()).contains("mallory", ROOM);
        assertThat(a.room().size()).isEqualTo(1);
        assertThat(resume(rooms, ROOM, a.sessionId(), "alice").self())
                .as("the session still belongs to its owner").isEqualTo(a.self());
    }

    @Test
    void resumeIsRefusedOnceTheParticipantLeftButOthersStillResume() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Participant bob = participant("bob", Role.SPEAKER);
        Member a = join(rooms, alice);
        Member b = join(rooms, bob);
        b.room().leave(bob.id(), LeaveReason.DISCONNECTED);

        Resume refused = resume(rooms, ROOM, b.sessionId(), "bob");
        Resume resumed = resume(rooms, ROOM, a.sessionId(), "alice");

        assertThat(refused.self()).isNull();
        assertThat(refused.refusal()).contains(b.sessionId());
        assertThat(resumed.self()).isEqualTo(alice);
        assertThat(events).hasSize(3);
    }

    @Test
    void resumeIsRefusedForARoomThatDoesNotExist() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);

        Resume refused = resume(rooms, "nowhere", Ids.session(), "alice");

        assertThat(refused.refusal()).contains("nowhere");
        assertThat(rooms.count()).as("a resume creates no room").isZero();
    }

    @Test
    void resumeIsRefusedOnceTheRoomWasEmptiedAndRetired() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);
        a.room().leave(alice.id(), LeaveReason.TIMEOUT);

        Resume refused = resume(rooms, ROOM, a.sessionId(), "alice");

        assertThat(refused.refusal()).contains(ROOM);
        assertThat(rooms.count()).isZero();
    }

    @Test
    void aSessionIdResumesOnlyInItsOwnRoom() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member a = join(rooms, participant("alice", Role.HOST));
        Member e = new Member();
        rooms.join("other-room", participant("alice", Role.HOST), e.sessionId(), RoomMode.MESH, e);

        Resume refused = resume(rooms, "other-room", a.sessionId(), "alice");

        assertThat(e.joined()).isTrue();
        assertThat(refused.refusal()).contains(a.sessionId(), "other-room");
    }

    @Test
    void aResumeQueuedBehindTheLastLeaveIsRefused() {
        ManualExecutor pool = new ManualExecutor();
        LocalRooms rooms = new LocalRooms(bus, pool, 10);
        Participant alice = participant("alice", Role.HOST);
        Member a = new Member();
        rooms.join(ROOM, alice, a.sessionId(), RoomMode.MESH, a);
        pool.runAll();

        // Both are queued on the room before either runs: the resume finds her gone.
        a.room().leave(alice.id(), LeaveReason.TIMEOUT);
        Resume resume = new Resume();
        rooms.resume(ROOM, a.sessionId(), "alice", resume);
        pool.runAll();

        assertThat(resume.answered()).isTrue();
        assertThat(resume.self()).isNull();
        assertThat(resume.refusal()).contains(a.sessionId());
        assertThat(rooms.count()).isZero();
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void concurrentJoinsFromSeveralThreadsEndWithEveryoneInAndContiguousSeqs() throws Exception {
        int threads = 6;
        int joinsPerThread = 50;
        int total = threads * joinsPerThread;
        ExecutorService roomPool = pool(Executors.newFixedThreadPool(3));
        ExecutorService callers = pool(Executors.newFixedThreadPool(threads));
        LocalRooms rooms = new LocalRooms(bus, roomPool, total);
        CountDownLatch joined = new CountDownLatch(total);
        Queue<Member> members = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);

        for (int t = 0; t < threads; t++) {
            int thread = t;
            callers.execute(() -> {
                await(start);
                for (int i = 0; i < joinsPerThread; i++) {
                    Member member = new Member(joined);
                    members.add(member);
                    rooms.join(ROOM, participant("user-" + thread + "-" + i, Role.LISTENER), member.sessionId(), RoomMode.MESH, member);
                }
            });
        }
        start.countDown();

        assertThat(joined.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("every joiner heard back").isTrue();
        assertThat(members).hasSize(total).allMatch(Member::joined);
        assertThat(members.stream().map(Member::seq).collect(Collectors.toSet()))
                .isEqualTo(LongStream.rangeClosed(1, total).boxed().collect(Collectors.toSet()));
        assertThat(members).allSatisfy(m -> assertThat(m.others()).hasSize((int) m.seq() - 1));
        assertThat(events.stream().map(RoomEvent::seq).collect(Collectors.toList()))
                .isEqualTo(LongStream.rangeClosed(1, total).boxed().collect(Collectors.toList()));
        Set<String> identities = members.stream().map(m -> m.self().identity()).collect(Collectors.toSet());
        assertThat(identities).hasSize(total);
        assertThat(rooms.count()).isEqualTo(1);
        assertThat(members.peek().room().size()).isEqualTo(total);
    }

    @Test
    void concurrentJoinsBeyondCapacityAdmitExactlyTheCapacity() throws Exception {
        int capacity = 40;
        int joiners = 200;
        ExecutorService callers = pool(Executors.newFixedThreadPool(4));
        LocalRooms rooms = new LocalRooms(bus, ForkJoinPool.commonPool(), capacity);
        CountDownLatch answered = new CountDownLatch(joiners);
        Queue<Member> members = new ConcurrentLinkedQueue<>();

        for (int i = 0; i < joiners; i++) {
            int n = i;
            callers.execute(() -> {
                Member member = new Member(answered);
                members.add(member);
                rooms.join(ROOM, participant("user-" + n, Role.LISTENER), member.sessionId(), RoomMode.MESH, member);
            });
        }

        assertThat(answered.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("every joiner heard back").isTrue();
        assertThat(members.stream().filter(Member::joined)).hasSize(capacity);
        assertThat(members.stream().filter(m -> !m.joined()))
                .hasSize(joiners - capacity)
                .allMatch(m -> m.refusal().kind() == RoomException.Kind.ROOM_FULL);
        assertThat(events.stream().map(RoomEvent::seq).collect(Collectors.toList()))
                .isEqualTo(LongStream.rangeClosed(1, capacity).boxed().collect(Collectors.toList()));
    }

    @Test
    void concurrentJoinsAndLeavesKeepSeqsContiguous() throws Exception {
        int joiners = 120;
        ExecutorService roomPool = pool(Executors.newFixedThreadPool(2));
        ExecutorService callers = pool(Executors.newFixedThreadPool(4));
        LocalRooms rooms = new LocalRooms(bus, roomPool, joiners + 1);
        Participant anchor = participant("anchor", Role.HOST); // keeps the room from retiring
        CountDownLatch anchored = new CountDownLatch(1);
        rooms.join(ROOM, anchor, Ids.session(), RoomMode.MESH, new Member(anchored));
        assertThat(anchored.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        CountDownLatch gone = new CountDownLatch(joiners);
        Set<String> left = ConcurrentHashMap.newKeySet();

        for (int i = 0; i < joiners; i++) {
            int n = i;
            callers.execute(() -> rooms.join(ROOM, participant("user-" + n, Role.LISTENER), Ids.session(), RoomMode.MESH, new RoomMember() {
                @Override
                public void joined(Room room, Participant self, List<Participant> others, long seq) {
                    room.leave(self.id(), LeaveReason.LEFT); // queued on the room behind other joins
                    left.add(self.id());
                    gone.countDown();
                }

                @Override
                public void refused(RoomException reason) {
                    throw new AssertionError(reason);
                }

                @Override
                public void resumed(Room room, Participant self, List<Participant> others, long seq) {
                    throw new AssertionError("resumed " + self.id() + " without asking");
                }

                @Override
                public void resumeRefused(String why) {
                    throw new AssertionError(why);
                }
            }));
        }

        assertThat(gone.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        awaitEvents(1 + 2 * joiners);
        assertThat(events.stream().map(RoomEvent::seq).collect(Collectors.toList()))
                .isEqualTo(LongStream.rangeClosed(1, 1 + 2L * joiners).boxed().collect(Collectors.toList()));
        assertThat(events.stream().filter(e -> e instanceof ParticipantLeft)
                .map(e -> ((ParticipantLeft) e).participantId()).collect(Collectors.toSet())).isEqualTo(left);
        assertThat(rooms.count()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- participant changes

    @Test
    void aListenerRaisesItsHandAndEveryoneIsTold() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member host = join(rooms, participant("alice", Role.HOST));
        Participant bob = participant("bob", Role.LISTENER);
        join(rooms, bob);

        Change change = update(host.room(), bob.id(), bob.id(), new ParticipantChange.HandRaised(true));

        assertThat(change.seq()).isPositive();
        ParticipantUpdated updated = (ParticipantUpdated) events.get(events.size() - 1);
        assertThat(updated.seq()).isEqualTo(change.seq());
        assertThat(updated.change()).isEqualTo("hand");
        assertThat(updated.participant().handRaised()).isTrue();
        assertThat(updated.participant().id()).isEqualTo(bob.id());
    }

    @Test
    void nobodyRaisesSomeoneElsesHand() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member host = join(rooms, participant("alice", Role.HOST));
        Participant bob = participant("bob", Role.LISTENER);
        join(rooms, bob);
        int before = events.size();

        Change change = update(host.room(), host.self().id(), bob.id(), new ParticipantChange.HandRaised(true));

        assertThat(change.error().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
        assertThat(events).hasSize(before);
    }

    @Test
    void aHostPromotesAListenerWhoseHandGoesDownAndWhoMayThenPublish() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member host = join(rooms, participant("alice", Role.HOST));
        Participant bob = participant("bob", Role.LISTENER);
        join(rooms, bob);
        update(host.room(), bob.id(), bob.id(), new ParticipantChange.HandRaised(true));
        assertThat(update(host.room(), bob.id(), bob.id(), new ParticipantChange.Publishing(true)).error().kind())
                .as("a listener may not publish").isEqualTo(RoomException.Kind.FORBIDDEN);

        Change promote = update(host.room(), host.self().id(), bob.id(), new ParticipantChange.RoleChanged(Role.SPEAKER));

        Participant promoted = ((ParticipantUpdated) events.get(events.size() - 1)).participant();
        assertThat(promote.seq()).isPositive();
        assertThat(promoted.role()).isEqualTo(Role.SPEAKER);
        assertThat(promoted.grants()).isEqualTo(Role.SPEAKER.defaultGrants());
        assertThat(promoted.handRaised()).isFalse();
        assertThat(update(host.room(), bob.id(), bob.id(), new ParticipantChange.Publishing(true)).seq()).isPositive();
    }

    @Test
    void aDemotedSpeakerStopsPublishingAndIsNoLongerMuted() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member host = join(rooms, participant("alice", Role.HOST));
        Participant bob = participant("bob", Role.SPEAKER);
        join(rooms, bob);
        update(host.room(), bob.id(), bob.id(), new ParticipantChange.Publishing(true));
        update(host.room(), host.self().id(), bob.id(), new ParticipantChange.Muted(true));

        update(host.room(), host.self().id(), bob.id(), new ParticipantChange.RoleChanged(Role.LISTENER));

        Participant demoted = ((ParticipantUpdated) events.get(events.size() - 1)).participant();
        assertThat(demoted.role()).isEqualTo(Role.LISTENER);
        assertThat(demoted.grants().canPublish()).isFalse();
        assertThat(demoted.publishing()).isFalse();
        assertThat(demoted.muted()).isFalse();
    }

    @Test
    void onlyARoomAdminChangesRolesOrMutes() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        join(rooms, participant("alice", Role.HOST));
        Member speaker = join(rooms, participant("bob", Role.SPEAKER));
        Participant carol = participant("carol", Role.LISTENER);
        join(rooms, carol);

        Change promote = update(speaker.room(), speaker.self().id(), carol.id(), new ParticipantChange.RoleChanged(Role.HOST));
        Change mute = update(speaker.room(), speaker.self().id(), speaker.self().id(), new ParticipantChange.Muted(false));

        assertThat(promote.error().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
        assertThat(promote.error().getMessage()).contains("only a room admin");
        assertThat(mute.error().kind()).isEqualTo(RoomException.Kind.FORBIDDEN);
    }

    @Test
    void aChangeThatChangesNothingPublishesNothing() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member host = join(rooms, participant("alice", Role.HOST));
        int before = events.size();

        Change change = update(host.room(), host.self().id(), host.self().id(), new ParticipantChange.HandRaised(false));

        assertThat(change.seq()).isEqualTo(-1);
        assertThat(change.error()).isNull();
        assertThat(events).hasSize(before);
    }

    @Test
    void changingSomeoneNotInTheRoomIsNotFound() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member host = join(rooms, participant("alice", Role.HOST));

        Change change = update(host.room(), host.self().id(), "p_nope00000000", new ParticipantChange.Muted(true));

        assertThat(change.error().kind()).isEqualTo(RoomException.Kind.NOT_FOUND);
        assertThat(change.error().getMessage()).contains("p_nope00000000");
    }

    @Test
    void theFirstJoinSetsTheRoomsModeForGood() {
        LocalRooms rooms = new LocalRooms(bus, DIRECT, 10);
        Member first = new Member();
        rooms.join(ROOM, participant("alice", Role.HOST), first.sessionId(), RoomMode.BROADCAST, first);
        Member second = join(rooms, participant("bob", Role.LISTENER));

        assertThat(first.room().mode()).isEqualTo(RoomMode.BROADCAST);
        assertThat(second.room().mode()).as("asked for mesh, joined the broadcast").isEqualTo(RoomMode.BROADCAST);
    }

    private static Change update(Room room, String by, String target, ParticipantChange change) {
        Change outcome = new Change();
        room.update(by, target, change, seq -> outcome.seq = seq, refusal -> outcome.error = refusal);
        assertThat(outcome.seq != -2 || outcome.error != null).as("answered at once on a direct pool").isTrue();
        return outcome;
    }

    /** What an update answered; set on the room's thread, a direct pool here. */
    private static final class Change {
        long seq = -2;
        RoomException error;

        long seq() {
            return seq;
        }

        RoomException error() {
            return error;
        }
    }

    // ---------------------------------------------------------------- hooks (webhooks)

    /** The hooks the rooms of {@link #recordingHooks} recorded, in order. */
    private final List<RoomHook> hooks = new ArrayList<>();

    private LocalRooms recordingHooks(DuplicateIdentity duplicates) {
        return new LocalRooms(bus, DIRECT, 10, duplicates, Rooms.Emptied.NONE, (room, hook) -> hooks.add(hook));
    }

    @Test
    void everyChangeIsRecordedAsAHookInRoomOrderHiddenParticipantsIncluded() {
        LocalRooms rooms = recordingHooks(DuplicateIdentity.ALLOW);
        Participant alice = participant("alice", Role.HOST);
        Participant recorder = participant("recorder", Role.LISTENER, HIDDEN_RECORDER);
        Participant carol = participant("carol", Role.LISTENER);
        Member a = join(rooms, alice);
        Member r = join(rooms, recorder);
        Member c = join(rooms, carol);
        Change raised = new Change();
        c.room().update(carol.id(), carol.id(), new ParticipantChange.HandRaised(true), seq -> raised.seq = seq,
                e -> raised.error = e);
        Change same = new Change();
        c.room().update(carol.id(), carol.id(), new ParticipantChange.HandRaised(true), seq -> same.seq = seq,
                e -> same.error = e);
        c.room().leave(carol.id(), LeaveReason.DISCONNECTED);
        a.room().leave(alice.id(), LeaveReason.LEFT);
        r.room().leave(recorder.id(), LeaveReason.LEFT);

        Participant carolRaised = new ParticipantChange.HandRaised(true).applyTo(carol);
        assertThat(raised.seq()).isPositive();
        assertThat(same.seq()).as("a change that changes nothing").isEqualTo(-1);
        assertThat(hooks).containsExactly(new RoomHook.Started(RoomMode.MESH), new RoomHook.Joined(alice),
                new RoomHook.Joined(recorder), new RoomHook.Joined(carol),
                new RoomHook.Changed("hand", carol, carolRaised),
                new RoomHook.Left(carolRaised, LeaveReason.DISCONNECTED), new RoomHook.Left(alice, LeaveReason.LEFT),
                new RoomHook.Left(recorder, LeaveReason.LEFT), new RoomHook.Finished());
    }

    @Test
    void aRoomTheBackendCreatedStartsWhenCreatedAndFinishesOnlyWhenDeleted() {
        LocalRooms rooms = recordingHooks(DuplicateIdentity.ALLOW);
        rooms.create(ROOM, new RoomSettings(RoomMode.BROADCAST, 10, ""));
        Participant alice = participant("alice", Role.HOST);
        Member a = join(rooms, alice);
        a.room().leave(alice.id(), LeaveReason.LEFT);
        assertThat(hooks).as("emptied, but the backend's room stays").containsExactly(
                new RoomHook.Started(RoomMode.BROADCAST), new RoomHook.Joined(alice), new RoomHook.Left(alice, LeaveReason.LEFT));

        rooms.delete(ROOM);

        assertThat(hooks).hasSize(4).last().isEqualTo(new RoomHook.Finished());
    }

    @Test
    void aReplacedDuplicateIsRecordedLeavingBeforeItsSuccessorJoins() {
        LocalRooms rooms = recordingHooks(DuplicateIdentity.REPLACE);
        Participant first = participant("ann", Role.SPEAKER);
        Participant second = participant("ann", Role.SPEAKER);
        join(rooms, first);
        join(rooms, second);

        assertThat(hooks).containsExactly(new RoomHook.Started(RoomMode.MESH), new RoomHook.Joined(first),
                new RoomHook.Left(first, LeaveReason.DUPLICATE_IDENTITY), new RoomHook.Joined(second));
    }

    // ---------------------------------------------------------------- helpers

    private static Participant participant(String identity, Role role) {
        return participant(identity, role, role.defaultGrants());
    }

    private static Participant participant(String identity, Role role, Grants grants) {
        return new Participant(Ids.participant(), identity, null, role, grants, "");
    }

    /** Joins on {@link #DIRECT} rooms, where the outcome is known when join returns. */
    private static Member join(LocalRooms rooms, Participant participant) {
        Member member = new Member();
        rooms.join(ROOM, participant, member.sessionId(), RoomMode.MESH, member);
        assertThat(member.answered()).as("answered at once on a direct pool").isTrue();
        return member;
    }

    /** Resumes on {@link #DIRECT} rooms, where the outcome is known when resume returns. */
    private static Resume resume(LocalRooms rooms, String room, String sessionId, String identity) {
        Resume resume = new Resume();
        rooms.resume(room, sessionId, identity, resume);
        assertThat(resume.answered()).as("answered at once on a direct pool").isTrue();
        return resume;
    }

    private static Outcome relay(Room room, Signal signal) {
        Outcome outcome = new Outcome();
        room.relay(signal, outcome::complete);
        assertThat(outcome.done()).as("answered at once on a direct pool").isTrue();
        return outcome;
    }

    private ExecutorService pool(ExecutorService pool) {
        pools.add(pool);
        return pool;
    }

    private void awaitEvents(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (events.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(events).hasSize(count);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("start signal not given");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Records what the room answered; callbacks run on the room's thread, read after a latch. */
    private static final class Member implements RoomMember {
        private final CountDownLatch answered;
        private final String sessionId = Ids.session();
        private volatile LocalRoom room;
        private volatile Participant self;
        private volatile List<Participant> others;
        private volatile long seq = -1;
        private volatile RoomException refusal;

        Member() {
            this(new CountDownLatch(1));
        }

        Member(CountDownLatch answered) {
            this.answered = answered;
        }

        @Override
        public void joined(Room room, Participant self, List<Participant> others, long seq) {
            assertThat(this.room).as("joined once").isNull();
            this.room = (LocalRoom) room;
            this.self = self;
            this.others = List.copyOf(others);
            this.seq = seq;
            answered.countDown();
        }

        @Override
        public void refused(RoomException reason) {
            this.refusal = reason;
            answered.countDown();
        }

        @Override
        public void resumed(Room room, Participant self, List<Participant> others, long seq) {
            throw new AssertionError("a join was answered with resumed " + self.id());
        }

        @Override
        public void resumeRefused(String why) {
            throw new AssertionError("a join was answered with resumeRefused: " + why);
        }

        boolean answered() {
            return room != null || refusal != null;
        }

        boolean joined() {
            return room != null;
        }

        String sessionId() {
            return sessionId;
        }

        LocalRoom room() {
            return room;
        }

        Participant self() {
            return self;
        }

        List<Participant> others() {
            return others;
        }

        long seq() {
            return seq;
        }

        RoomException refusal() {
            return refusal;
        }
    }

    /** Records the answer to a resume; callbacks run on the room's thread or the caller's, read after a latch. */
    private static final class Resume implements RoomMember {
        private final CountDownLatch answered = new CountDownLatch(1);
        private volatile Room room;
        private volatile Participant self;
        private volatile String refusal;

        @Override
        public void joined(Room room, Participant self, List<Participant> others, long seq) {
            throw new AssertionError("a resume was answered with joined " + self.id());
        }

        @Override
        public void refused(RoomException reason) {
            throw new AssertionError("a resume was answered with refused", reason);
        }

        @Override
        public void resumed(Room room, Participant self, List<Participant> others, long seq) {
            assertThat(answered.getCount()).as("answered once").isOne();
            this.room = room;
            this.self = self;
            answered.countDown();
        }

        @Override
        public void resumeRefused(String why) {
            assertThat(answered.getCount()).as("answered once").isOne();
            this.refusal = why;
            answered.countDown();
        }

        boolean answered() {
            return answered.getCount() == 0;
        }

        Room room() {
            return room;
        }

        Participant self() {
            return self;
        }

        String refusal() {
            return refusal;
        }
    }

    private static final class Outcome {
        private boolean done;
        private RoomException error;

        void complete(RoomException error) {
            assertThat(done).as("answered once").isFalse();
            this.done = true;
            this.error = error;
        }

        boolean done() {
            return done;
        }

        RoomException error() {
            return error;
        }
    }
}
