package io.bifrost.rooms.room;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {
    /** Generous: a lost task fails the test instead of hanging it, a slow CI machine still passes. */
    private static final long TIMEOUT_SECONDS = 20;

    private final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void stopPools() {
        pools.forEach(ExecutorService::shutdownNow);
    }

    @Test
    void tasksRunInSubmissionOrderOnAMultiThreadPool() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool(4), "room order", () -> { });
        int tasks = 5_000;
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(tasks);

        for (int i = 0; i < tasks; i++) {
            int n = i;
            serial.execute(() -> {
                ran.add(n);
                done.countDown();
            });
        }

        assertThat(done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isEqualTo(IntStream.range(0, tasks).boxed().collect(Collectors.toList()));
    }

    @Test
    void tasksSubmittedFromManyThreadsNeverOverlap() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool(4), "room overlap", () -> { });
        ExecutorService submitters = pool(4);
        int perSubmitter = 2_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(4 * perSubmitter);
        List<List<Integer>> seenBySubmitter = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            seenBySubmitter.add(new ArrayList<>()); // touched by the serial executor only
        }

        for (int s = 0; s < 4; s++) {
            int submitter = s;
            submitters.execute(() -> {
                for (int i = 0; i < perSubmitter; i++) {
                    int n = i;
                    serial.execute(() -> {
                        if (running.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        seenBySubmitter.get(submitter).add(n);
                        Thread.yield(); // widen the window an overlapping task would use
                        ran.incrementAndGet();
                        running.decrementAndGet();
                        done.countDown();
                    });
                }
            });
        }

        assertThat(done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(overlaps.get()).isZero();
        assertThat(ran.get()).isEqualTo(4 * perSubmitter);
        List<Integer> expected = IntStream.range(0, perSubmitter).boxed().collect(Collectors.toList());
        serial.execute(() -> { }); // a last task, so the lists below are read after the executor wrote them
        assertThat(seenBySubmitter).allSatisfy(seen -> assertThat(seen).as("each submitter's order").isEqualTo(expected));
    }

    @Test
    void aThrowingTaskDoesNotStopTheTasksAfterIt() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool(2), "room throwing", () -> { });
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);

        serial.execute(() -> ran.add("first"));
        serial.execute(() -> {
            throw new IllegalStateException("a bug in a room task");
        });
        serial.execute(() -> ran.add("after a runtime exception"));
        serial.execute(() -> {
            throw new AssertionError("an error in a room task");
        });
        serial.execute(() -> {
            ran.add("after an error");
            done.countDown();
        });

        assertThat(done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("first", "after a runtime exception", "after an error");

        CountDownLatch later = new CountDownLatch(1);
        serial.execute(later::countDown);
        assertThat(later.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("still usable afterwards").isTrue();
    }

    @Test
    void aBusyExecutorYieldsItsThreadSoOthersOnTheSamePoolMakeProgress() throws Exception {
        ExecutorService single = pool(1);
        SerialExecutor busy = new SerialExecutor(single, "busy room", () -> { });
        SerialExecutor quiet = new SerialExecutor(single, "quiet room", () -> { });
        CountDownLatch release = new CountDownLatch(1);
        single.execute(() -> awaitQuietly(release)); // hold the only thread while the work queues up
        int busyTasks = 2_000;
        AtomicInteger busyRan = new AtomicInteger();
        CountDownLatch busyDone = new CountDownLatch(busyTasks);
        for (int i = 0; i < busyTasks; i++) {
            busy.execute(() -> {
                busyRan.incrementAndGet();
                busyDone.countDown();
            });
        }
        AtomicInteger busyRanWhenQuietRan = new AtomicInteger(-1);
        CountDownLatch quietDone = new CountDownLatch(1);
        quiet.execute(() -> {
            busyRanWhenQuietRan.set(busyRan.get());
            quietDone.countDown();
        });

        release.countDown();

        assertThat(quietDone.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(busyDone.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(busyRanWhenQuietRan.get()).as("busy tasks run before the quiet room got the thread")
                .isPositive().isLessThan(busyTasks);
    }

    @Test
    void anIdleExecutorRunsTheNextTaskAgain() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool(1), "room idle", () -> { });
        for (int round = 0; round < 3; round++) {
            CountDownLatch ran = new CountDownLatch(1);

            serial.execute(ran::countDown);

            assertThat(ran.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("round %d", round).isTrue();
        }
    }

    @Test
    void aTaskSubmittedByATaskRunsAfterTheTasksAlreadyQueued() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool(2), "room reentrant", () -> { });
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch queued = new CountDownLatch(1);

        serial.execute(() -> {
            awaitQuietly(queued);
            ran.add("a");
            serial.execute(() -> {
                ran.add("c");
                done.countDown();
            });
        });
        serial.execute(() -> ran.add("b"));
        queued.countDown();

        assertThat(done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("a", "b", "c");
    }

    @Test
    void idleRunsOnceAfterABurstNotAfterEachTaskOfIt() throws Exception {
        ExecutorService single = pool(1);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstIdle = new CountDownLatch(1);
        CountDownLatch secondIdle = new CountDownLatch(2);
        SerialExecutor serial = new SerialExecutor(single, "room burst", () -> {
            ran.add("idle");
            firstIdle.countDown();
            secondIdle.countDown();
        });
        CountDownLatch release = new CountDownLatch(1);
        single.execute(() -> awaitQuietly(release)); // the burst queues up behind this

        serial.execute(() -> ran.add("a"));
        serial.execute(() -> ran.add("b"));
        serial.execute(() -> ran.add("c"));
        release.countDown();
        assertThat(firstIdle.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        serial.execute(() -> ran.add("d")); // a lone task after the burst

        assertThat(secondIdle.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("a", "b", "c", "idle", "d", "idle");
    }

    @Test
    void idleRunsBeforeABusyExecutorYieldsItsThread() throws Exception {
        ExecutorService single = pool(1);
        AtomicInteger ranBeforeFirstIdle = new AtomicInteger(-1);
        AtomicInteger ran = new AtomicInteger();
        SerialExecutor serial = new SerialExecutor(single, "room long burst", () -> ranBeforeFirstIdle.compareAndSet(-1, ran.get()));
        CountDownLatch release = new CountDownLatch(1);
        single.execute(() -> awaitQuietly(release));
        int tasks = 1_000;
        CountDownLatch done = new CountDownLatch(tasks);
        for (int i = 0; i < tasks; i++) {
            serial.execute(() -> {
                ran.incrementAndGet();
                done.countDown();
            });
        }

        release.countDown();

        assertThat(done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(ranBeforeFirstIdle.get()).as("tasks run before the first idle").isPositive().isLessThan(tasks);
    }

    private ExecutorService pool(int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        pools.add(pool);
        return pool;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
