package io.bifrost.rooms.cluster;

import static io.bifrost.rooms.cluster.RecordingListener.Ready.COMPLETE;
import static io.bifrost.rooms.cluster.RecordingListener.Ready.INCOMPLETE;
import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.rooms.room.RoomEvent.ChatPosted;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RoomFeedTest {
    private static final String ROOM = "demo";
    /** Small, so that a test can publish past what the feed remembers. */
    private static final int HISTORY_LIMIT = 3;
    /** Generous: a lost event fails the test instead of hanging it, a slow CI machine still passes. */
    private static final long TIMEOUT_SECONDS = 20;

    private final ManualHistory history = new ManualHistory();
    private final ManualTimer timer = new ManualTimer();
    private final RecordingBusMetrics metrics = new RecordingBusMetrics();
    private final RoomFeed feed = new RoomFeed(ROOM, HISTORY_LIMIT, history, timer.executor(), metrics);

    // ---------------------------------------------------------------- order

    @Test
    void eventsArrivingInOrderAreDeliveredAtOnce() {
        RecordingListener listener = subscribe(0);

        offer(1, 2, 3);

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3));
        assertThat(feed.applied()).isEqualTo(3);
        assertThat(timer.scheduled()).as("no gap to wait for").isEmpty();
        assertThat(history.pending()).isEmpty();
    }

    // ---------------------------------------------------------------- flushing

    @Test
    void aRunOfOfferedEventsIsFlushedOnceWhenTheRunEnds() {
        RecordingListener listener = subscribe(0);
        List<Integer> atSubscribe = listener.flushes();

        offer(1, 2, 3);
        List<Integer> beforeFlush = listener.flushes();
        feed.flush();
        feed.flush(); // nothing new: no second flush

        assertThat(beforeFlush).as("held until the run ends").isEqualTo(atSubscribe);
        assertThat(listener.flushes()).containsExactly(0, 3);
    }

    @Test
    void eventsReplayedToANewSubscriberAreFlushedAtOnce() {
        subscribe(0);
        offer(1, 2);
        feed.flush();

        RecordingListener late = subscribe(0);

        assertThat(late.events()).containsExactly(chat(1), chat(2));
        assertThat(late.flushes()).containsExactly(2);
    }

    @Test
    void eventsThatFillAGapFromHistoryAreFlushedAtOnce() {
        RecordingListener listener = subscribe(0);
        offer(1, 3);
        feed.flush();

        timer.elapse();
        history.take().answer(chat(2));

        assertThat(listener.events()).containsExactly(chat(1), chat(2), chat(3));
        assertThat(listener.flushes()).last().isEqualTo(3);
    }

    @Test
    void aSubscriberCaughtUpFromHistoryIsFlushedAtOnce() {
        subscribe(0);
        offer(1, 2, 3, 4, 5, 6); // remembered: 4, 5, 6
        feed.flush();

        RecordingListener behind = subscribe(1);
        history.take().answer(chat(2), chat(3));

        assertThat(behind.events()).containsExactly(chat(2), chat(3), chat(4), chat(5), chat(6));
        assertThat(behind.flushes()).containsExactly(5);
    }

    @Test
    void outOfOrderEventsAreDeliveredInSeqOrder() {
        RecordingListener listener = subscribe(0);

        offer(3, 2);
        List<Object> beforeTheFirst = listener.heard();
        offer(1);
        timer.elapse();

        assertThat(beforeTheFirst).as("nothing overtakes a missing event").containsExactly(COMPLETE);
        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3));
        assertThat(history.pending()).as("the gap closed before the wait was over").isEmpty();
        assertThat(metrics.lost("event")).isZero();
    }

    @Test
    void anEventArrivingAgainAfterItWasAppliedIsDroppedAndCounted() {
        RecordingListener listener = subscribe(0);

        offer(1, 2, 2, 1);

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2));
        assertThat(metrics.duplicates()).isEqualTo(2);
    }

    @Test
    void anEventArrivingTwiceWhileItWaitsForAGapIsDeliveredOnce() {
        RecordingListener listener = subscribe(0);

        offer(1, 3, 3, 2);

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3));
        assertThat(metrics.duplicates()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- gaps

    @Test
    void aGapIsReadBackFromHistoryAfterTheWait() {
        RecordingListener listener = subscribe(0);

        offer(1, 3, 4);

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1));
        assertThat(history.pending()).as("no read before the wait is over").isEmpty();
        assertThat(timer.scheduled()).extracting(ManualTimer.Task::delayMillis).containsExactly(RoomFeed.GAP_WAIT_MILLIS);

        timer.elapse();
        ManualHistory.Read read = history.take();
        read.answer(chat(2));

        assertThat(read.room()).isEqualTo(ROOM);
        assertThat(read.fromSeq()).isEqualTo(2);
        assertThat(read.toSeq()).isEqualTo(2);
        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3), chat(4));
        assertThat(metrics.refetched()).isEqualTo(1);
        assertThat(metrics.lost("event")).isZero();
    }

    @Test
    void aGapTheHistoryNoLongerHoldsIsSkippedAndCountedAsLost() {
        RecordingListener listener = subscribe(0);
        offer(1, 5);

        timer.elapse();
        ManualHistory.Read read = history.take();
        read.answer();
        offer(6);

        assertThat(read.fromSeq()).isEqualTo(2);
        assertThat(read.toSeq()).isEqualTo(4);
        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(5), chat(6));
        assertThat(metrics.lost("event")).isEqualTo(3);
        assertThat(feed.applied()).isEqualTo(6);
    }

    @Test
    void aSubscriberStartingInsideALostGapIsToldIncompleteAndHearsNothing() {
        subscribe(0);
        offer(1, 5);
        timer.elapse();
        history.take().answer();

        RecordingListener late = subscribe(2);
        history.take().answer(); // the room's history no longer holds 3 and 4 either

        assertThat(late.heard()).containsExactly(INCOMPLETE);
    }

    @Test
    void aGapTheHistoryHoldsOnlyTheEndOfIsSkippedUpToWhatItHolds() {
        RecordingListener listener = subscribe(0);
        offer(1, 5);

        timer.elapse();
        history.take().answer(chat(4));

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(4), chat(5));
        assertThat(metrics.lost("event")).isEqualTo(2);
    }

    @Test
    void liveCopiesArrivingBeforeTheHistoryReadFinishesAreNotDeliveredTwice() {
        RecordingListener listener = subscribe(0);
        offer(1, 4);
        timer.elapse();
        ManualHistory.Read read = history.take();

        offer(2, 3);
        read.answer(chat(2), chat(3));
        offer(5);

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3), chat(4), chat(5));
        assertThat(metrics.lost("event")).isZero();
    }

    @Test
    void aLiveCopyOfPartOfTheGapArrivingDuringTheReadIsNotDeliveredTwice() {
        RecordingListener listener = subscribe(0);
        offer(1, 4);
        timer.elapse();
        ManualHistory.Read read = history.take();

        offer(2);
        read.answer(chat(2), chat(3));

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3), chat(4));
        assertThat(metrics.lost("event")).isZero();
    }

    @Test
    void aFailedGapReadIsTriedAgainAfterAnotherWait() {
        RecordingListener listener = subscribe(0);
        offer(1, 3);
        timer.elapse();

        history.take().fail(new IOException("connection reset"));

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1));
        assertThat(timer.scheduled()).extracting(ManualTimer.Task::delayMillis).containsExactly(RoomFeed.GAP_WAIT_MILLIS);

        timer.elapse();
        history.take().answer(chat(2));

        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3));
        assertThat(metrics.lost("event")).isZero();
    }

    @Test
    void aSecondGapIsReadBackOnceTheFirstIsFilled() {
        RecordingListener listener = subscribe(0);
        offer(1, 3, 5);

        timer.elapse();
        ManualHistory.Read first = history.take();
        first.answer(chat(2));
        timer.elapse();
        ManualHistory.Read second = history.take();
        second.answer(chat(4));

        assertThat(List.of(first.fromSeq(), first.toSeq(), second.fromSeq(), second.toSeq())).containsExactly(2L, 2L, 4L, 4L);
        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3), chat(4), chat(5));
    }

    // ---------------------------------------------------------------- subscribers starting behind

    @Test
    void aSubscriberBehindWithinMemoryIsReplayedExactlyTheMissingEventsThenHearsLiveOnes() {
        RecordingListener first = subscribe(0);
        offer(1, 2, 3, 4);

        RecordingListener behind = subscribe(1);
        offer(5);

        assertThat(behind.heard()).containsExactly(COMPLETE, chat(2), chat(3), chat(4), chat(5));
        assertThat(first.heard()).containsExactly(COMPLETE, chat(1), chat(2), chat(3), chat(4), chat(5));
        assertThat(history.pending()).as("memory was enough").isEmpty();
    }

    @Test
    void aSubscriberBehindBeyondMemoryReadsTheOlderEventsFromHistoryThenTheRememberedAndLiveOnes() {
        subscribe(0);
        offer(1, 2, 3, 4, 5, 6); // remembered: 4, 5, 6

        RecordingListener behind = subscribe(1);
        ManualHistory.Read read = history.take();
        offer(7);
        List<Object> whileReading = behind.heard();
        read.answer(chat(2), chat(3));
        offer(8);

        assertThat(read.fromSeq()).isEqualTo(2);
        assertThat(read.toSeq()).isEqualTo(3);
        assertThat(whileReading).as("nothing before ready").isEmpty();
        assertThat(behind.heard()).containsExactly(COMPLETE,
                chat(2), chat(3), chat(4), chat(5), chat(6), chat(7), chat(8));
        assertThat(metrics.refetched()).isEqualTo(2);
    }

    @Test
    void aSubscriberBehindBeyondMemoryIsToldIncompleteAndHearsNothingWhenTheHistoryReadFails() {
        RecordingListener first = subscribe(0);
        offer(1, 2, 3, 4, 5, 6);
        RecordingListener behind = subscribe(1);

        history.take().fail(new IOException("connection reset"));
        offer(7);

        assertThat(behind.heard()).containsExactly(INCOMPLETE);
        assertThat(first.events()).hasSize(7);
    }

    @Test
    void aSubscriberBehindBeyondMemoryIsToldIncompleteAndHearsNothingWhenTheHistoryWasTrimmed() {
        subscribe(0);
        offer(1, 2, 3, 4, 5, 6);
        RecordingListener behind = subscribe(1);

        history.take().answer(chat(3));
        offer(7);

        assertThat(behind.heard()).containsExactly(INCOMPLETE);
    }

    @Test
    void withoutHistoryASubscriberBehindBeyondMemoryIsToldIncompleteAtOnceAndHearsNothing() {
        RoomFeed local = new RoomFeed(ROOM, HISTORY_LIMIT, null, null, metrics);
        local.subscribe(0, event -> { });
        for (long seq = 1; seq <= 6; seq++) {
            local.offer(chat(seq));
        }
        RecordingListener behind = new RecordingListener();

        local.subscribe(1, behind);
        local.offer(chat(7));

        assertThat(behind.heard()).containsExactly(INCOMPLETE);
    }

    @Test
    void aSubscriberClosedWhileItsHistoryReadIsPendingHearsNothing() {
        subscribe(0);
        offer(1, 2, 3, 4, 5, 6);
        RecordingListener behind = new RecordingListener();
        RoomFeed.Entry entry = feed.subscribe(1, behind);

        feed.remove(entry);
        history.take().answer(chat(2), chat(3));
        offer(7);

        assertThat(behind.heard()).isEmpty();
    }

    @Test
    void aSubscriberAheadOfTheFeedHearsOnlyTheEventsAfterItsStart() {
        subscribe(0);
        offer(1);

        RecordingListener ahead = subscribe(3);
        offer(2, 3, 4);

        assertThat(ahead.heard()).containsExactly(COMPLETE, chat(4));
    }

    // ---------------------------------------------------------------- before the first subscriber

    @Test
    void eventsOfferedBeforeTheFirstSubscriberAreKeptAndThoseAfterItsStartAreDelivered() {
        feed.hold(); // a join in flight: its answer, with the seq to start after, is not back yet
        offer(3, 2, 4, 3);

        long before = feed.applied();
        RecordingListener joiner = subscribe(2);
        feed.release();
        offer(5);

        assertThat(before).as("no baseline yet").isEqualTo(-1);
        assertThat(joiner.heard()).containsExactly(COMPLETE, chat(3), chat(4), chat(5));
        assertThat(metrics.duplicates()).isEqualTo(1);
        assertThat(history.pending()).isEmpty();
        assertThat(timer.scheduled()).isEmpty();
    }

    @Test
    void aGapAboveTheFirstSubscribersStartIsReadBack() {
        feed.hold();
        offer(5);

        RecordingListener joiner = subscribe(3);
        feed.release();
        timer.elapse();
        ManualHistory.Read read = history.take();
        read.answer(chat(4));

        assertThat(read.fromSeq()).isEqualTo(4);
        assertThat(read.toSeq()).isEqualTo(4);
        assertThat(joiner.heard()).containsExactly(COMPLETE, chat(4), chat(5));
    }

    // ---------------------------------------------------------------- a start known from elsewhere

    @Test
    void aFeedStartedAtTheRoomsSeqKeepsOnlyTheEventsAfterIt() {
        feed.hold(); // a resume in flight: the room says where it stands before anyone subscribes
        offer(5, 6);

        feed.startAt(5);
        RecordingListener resumed = subscribe(5);
        feed.release();
        offer(7);

        assertThat(feed.applied()).isEqualTo(7);
        assertThat(resumed.heard()).containsExactly(COMPLETE, chat(6), chat(7));
    }

    @Test
    void aSubscriberBehindTheStartOfTheFeedReadsTheEventsItMissedFromHistory() {
        feed.startAt(5);

        RecordingListener resumed = subscribe(2);
        ManualHistory.Read read = history.take();
        read.answer(chat(3), chat(4), chat(5));
        offer(6);

        assertThat(read.fromSeq()).isEqualTo(3);
        assertThat(read.toSeq()).isEqualTo(5);
        assertThat(resumed.heard()).containsExactly(COMPLETE, chat(3), chat(4), chat(5), chat(6));
    }

    @Test
    void aStartIsIgnoredOnceTheFeedHasAPosition() {
        RecordingListener listener = subscribe(0);
        offer(1);

        feed.startAt(10);
        offer(2);

        assertThat(feed.applied()).isEqualTo(2);
        assertThat(listener.heard()).containsExactly(COMPLETE, chat(1), chat(2));
    }

    // ---------------------------------------------------------------- listeners

    @Test
    void aListenerClosingItsOwnSubscriptionInsideEventDoesNotStopDeliveryToTheOthers() {
        RoomFeeds feeds = new RoomFeeds(room -> feed);
        RecordingListener before = new RecordingListener();
        RecordingListener after = new RecordingListener();
        List<RoomEvent> closer = new ArrayList<>();
        AtomicReference<ClusterBus.Subscription> own = new AtomicReference<>();
        feeds.subscribe(ROOM, 0, before);
        own.set(feeds.subscribe(ROOM, 0, event -> {
            closer.add(event);
            own.get().close();
        }));
        feeds.subscribe(ROOM, 0, after);

        offer(1, 2);

        assertThat(closer).containsExactly(chat(1));
        assertThat(before.heard()).containsExactly(COMPLETE, chat(1), chat(2));
        assertThat(after.heard()).containsExactly(COMPLETE, chat(1), chat(2));
    }

    @Test
    void aListenerThatThrowsDoesNotKeepTheEventFromTheOthersNorStopTheFeed() {
        subscribe(0);
        feed.subscribe(0, event -> {
            throw new IllegalStateException("a broken session");
        });
        RecordingListener after = subscribe(0);

        offer(1);
        offer(2);

        assertThat(after.heard()).containsExactly(COMPLETE, chat(1), chat(2));
    }

    // ---------------------------------------------------------------- threads

    @Test
    void eventsOfferedFromSeveralThreadsInAnyOrderWithSomeOnlyInHistoryAreDeliveredOnceInOrder() throws Exception {
        int total = 600;
        // Events 75, 225, 375 and 525 reach this node only through the history; the last event is live,
        // since a gap shows only when a later event arrives.
        int missingEvery = 150;
        List<RoomEvent> log = LongStream.rangeClosed(1, total).mapToObj(RoomFeedTest::chat).collect(Collectors.toList());
        ScheduledExecutorService realTimer = Executors.newSingleThreadScheduledExecutor();
        ExecutorService offerers = Executors.newFixedThreadPool(3);
        try {
            RoomFeed.History fromLog = (room, from, to) -> CompletableFuture.supplyAsync(
                    () -> log.subList((int) from - 1, (int) to), realTimer);
            RoomFeed threaded = new RoomFeed(ROOM, HISTORY_LIMIT, fromLog, realTimer, metrics);
            List<RoomEvent> heard = new CopyOnWriteArrayList<>();
            CountDownLatch all = new CountDownLatch(total);
            threaded.subscribe(0, event -> {
                heard.add(event);
                all.countDown();
            });
            List<RoomEvent> live = new ArrayList<>();
            for (RoomEvent event : log) {
                if (event.seq() % missingEvery != missingEvery / 2) {
                    live.add(event);
                    live.add(event); // every live event arrives twice
                }
            }
            Collections.shuffle(live, new Random(42));
            int slices = 3;
            for (int s = 0; s < slices; s++) {
                List<RoomEvent> slice = live.subList(s * live.size() / slices, (s + 1) * live.size() / slices);
                offerers.execute(() -> slice.forEach(threaded::offer));
            }

            assertThat(all.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("every event delivered").isTrue();
            assertThat(heard).isEqualTo(log);
            assertThat(metrics.lost("event")).isZero();
        } finally {
            offerers.shutdownNow();
            realTimer.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- helpers

    // ---------------------------------------------------------------- locks

    /**
     * A session ends while it holds its outbox's lock (the websocket reports a failed write from
     * inside it), and the room's thread is flushing that same outbox from inside the feed: leaving
     * the feed must not wait for the feed's lock, or each waits for the other for ever.
     */
    @Test
    void aListenerEndsItsSubscriptionWhileTheFeedFlushesIntoALockItHolds() throws Exception {
        ReentrantLock outbox = new ReentrantLock();
        RoomFeed.Entry entry = feed.subscribe(0, new RoomListener() {
            @Override
            public void event(RoomEvent event) {
            }

            @Override
            public void flush() {
                outbox.lock();
                outbox.unlock();
            }
        });
        outbox.lock();
        Thread roomThread = new Thread(() -> {
            feed.offer(chat(1));
            feed.flush();
        }, "room");
        roomThread.setDaemon(true); // if the feed deadlocks, this thread is left behind, not the build
        roomThread.start();
        while (!outbox.hasQueuedThread(roomThread)) {
            Thread.sleep(5); // the room's thread is inside the feed's flush, waiting for the outbox
        }

        CompletableFuture<Void> left = CompletableFuture.runAsync(() -> feed.remove(entry));
        left.get(5, TimeUnit.SECONDS);
        outbox.unlock();
        roomThread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));

        assertThat(roomThread.isAlive()).as("the room's thread still flushing").isFalse();
        assertThat(feed.idle()).isTrue();
    }

    private RecordingListener subscribe(long afterSeq) {
        RecordingListener listener = new RecordingListener();
        feed.subscribe(afterSeq, listener);
        return listener;
    }

    private void offer(long... seqs) {
        for (long seq : seqs) {
            feed.offer(chat(seq));
        }
    }

    static RoomEvent chat(long seq) {
        return new ChatPosted(ROOM, seq, "p_7d2kq9x1m4vh", "message " + seq, 1_795_338_000_000L + seq);
    }
}
