package io.bifrost.rooms.cluster;

import static io.bifrost.rooms.cluster.RecordingListener.Ready.COMPLETE;
import static io.bifrost.rooms.cluster.RecordingListener.Ready.INCOMPLETE;
import static io.bifrost.rooms.cluster.RoomFeedTest.chat;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RoomFeedsTest {
    private static final String ROOM = "demo";
    /** Small, so that a test can publish past what a feed remembers. */
    private static final int HISTORY_LIMIT = 3;
    /** Long enough for a thread that is not stuck to finish, short enough to fail a deadlock quickly. */
    private static final long DEADLOCK_SECONDS = 5;

    private final AtomicInteger created = new AtomicInteger();
    private final RoomFeeds feeds = new RoomFeeds(room -> {
        created.incrementAndGet();
        return new RoomFeed(room, HISTORY_LIMIT, null, null, BusMetrics.NONE);
    });

    @Test
    void eachRoomHasItsOwnFeed() {
        RecordingListener demo = new RecordingListener();
        RecordingListener stage = new RecordingListener();
        feeds.subscribe(ROOM, 0, demo);
        feeds.subscribe("stage", 0, stage);

        feeds.get(ROOM).offer(chat(1));

        assertThat(feeds.count()).isEqualTo(2);
        assertThat(feeds.get(ROOM)).isNotSameAs(feeds.get("stage"));
        assertThat(demo.heard()).containsExactly(COMPLETE, chat(1));
        assertThat(stage.heard()).containsExactly(COMPLETE);
    }

    @Test
    void aFeedIsRetiredWhenItsLastSubscriptionCloses() {
        ClusterBus.Subscription first = feeds.subscribe(ROOM, 0, e -> { });
        ClusterBus.Subscription second = feeds.subscribe(ROOM, 0, e -> { });

        first.close();
        RoomFeed afterFirst = feeds.get(ROOM);
        second.close();

        assertThat(afterFirst).as("one subscriber left").isNotNull();
        assertThat(feeds.get(ROOM)).isNull();
        assertThat(feeds.count()).isZero();
        assertThat(created).hasValue(1);
    }

    @Test
    void aHoldKeepsAFeedWithoutSubscribersUntilReleased() {
        RoomFeed held = feeds.hold(ROOM);
        feeds.subscribe(ROOM, 0, e -> { }).close();

        RoomFeed whileHeld = feeds.get(ROOM);
        feeds.release(ROOM, held);

        assertThat(whileHeld).isSameAs(held);
        assertThat(feeds.get(ROOM)).isNull();
    }

    @Test
    void aSubscriptionKeepsAFeedAfterTheHoldIsReleased() {
        RoomFeed held = feeds.hold(ROOM);
        feeds.subscribe(ROOM, 0, e -> { });

        feeds.release(ROOM, held);

        assertThat(feeds.get(ROOM)).isSameAs(held);
    }

    @Test
    void eventsReachingAHeldFeedBeforeTheJoinersSubscriptionAreDeliveredToIt() {
        RoomFeed held = feeds.hold(ROOM); // the join is in flight
        held.offer(chat(4));
        held.offer(chat(5));
        RecordingListener joiner = new RecordingListener();

        feeds.subscribe(ROOM, 4, joiner); // the join's answer said seq 4
        feeds.release(ROOM, held);

        assertThat(joiner.heard()).containsExactly(COMPLETE, chat(5));
    }

    @Test
    void aNewFeedStartsFreshAfterTheOldOneWasRetired() {
        feeds.subscribe(ROOM, 0, e -> { }).close();
        RecordingListener next = new RecordingListener();

        feeds.subscribe(ROOM, 10, next);
        feeds.get(ROOM).offer(chat(11));

        assertThat(created).hasValue(2);
        assertThat(next.heard()).containsExactly(COMPLETE, chat(11));
    }

    @Test
    void closingASubscriptionOfARetiredFeedLeavesItsSuccessorAlone() {
        ClusterBus.Subscription old = feeds.subscribe(ROOM, 0, e -> { });
        old.close();
        feeds.subscribe(ROOM, 0, e -> { });
        RoomFeed successor = feeds.get(ROOM);

        old.close();

        assertThat(feeds.get(ROOM)).isSameAs(successor);
    }

    @Test
    void aSubscriberToldIncompleteLeavesNoFeedBehindOnceAllIsClosed() {
        ClusterBus.Subscription first = feeds.subscribe(ROOM, 0, e -> { });
        for (long seq = 1; seq <= HISTORY_LIMIT + 1; seq++) {
            feeds.get(ROOM).offer(chat(seq));
        }
        RecordingListener tooLate = new RecordingListener();
        ClusterBus.Subscription refused = feeds.subscribe(ROOM, 0, tooLate);

        first.close();
        refused.close();

        assertThat(tooLate.heard()).containsExactly(INCOMPLETE);
        assertThat(feeds.count()).isZero();
    }

    @Test
    void aListenerClosingTheLastSubscriptionInsideEventRetiresTheFeed() {
        AtomicReference<ClusterBus.Subscription> own = new AtomicReference<>();
        own.set(feeds.subscribe(ROOM, 0, event -> own.get().close()));

        feeds.get(ROOM).offer(chat(1));

        assertThat(feeds.get(ROOM)).isNull();
    }

    /*
     * A session that stops listening from inside event() (a slow consumer dropped on delivery)
     * closes its subscription under the feed's lock, while another connection may be joining
     * the same room on another thread.
     */
    @Test
    void aListenerClosingItsSubscriptionWhileAnotherThreadJoinsTheRoomDoesNotDeadlock() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        AtomicReference<ClusterBus.Subscription> own = new AtomicReference<>();
        own.set(feeds.subscribe(ROOM, 0, event -> {
            Thread joiner = daemon(() -> feeds.subscribe(ROOM, 1, e -> { }));
            joiner.start();
            awaitBlockedOrDone(joiner); // waiting for the feed's lock, which this delivery holds
            own.get().close();
            closed.countDown();
        }));

        Thread publisher = daemon(() -> feeds.get(ROOM).offer(chat(1)));
        publisher.start();

        assertThat(closed.await(DEADLOCK_SECONDS, TimeUnit.SECONDS)).as("the subscription closed").isTrue();
    }

    private static Thread daemon(Runnable task) {
        Thread thread = new Thread(task, "room-feeds-test");
        thread.setDaemon(true); // a deadlocked thread must not keep the test JVM alive
        return thread;
    }

    private static void awaitBlockedOrDone(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLOCK_SECONDS);
        while (thread.getState() != Thread.State.BLOCKED && thread.getState() != Thread.State.TERMINATED
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }
}
