package io.bifrost.bench.load;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A run's join phase: connections opened with at most a bounded number of joins in flight, and the
 * wait until every one joined or failed. The IO threads report each outcome; the run's thread
 * opens and waits.
 */
final class Joins {
    private final int count;
    private final Semaphore inFlight;
    private final CountDownLatch settled;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final AtomicLong lastJoinAt = new AtomicLong();

    Joins(int count, int concurrency) {
        this.count = count;
        this.inFlight = new Semaphore(concurrency);
        this.settled = new CountDownLatch(count);
    }

    /** On an IO thread: a participant joined. */
    void joined() {
        lastJoinAt.accumulateAndGet(System.nanoTime(), Math::max);
        inFlight.release();
        settled.countDown();
    }

    /** On an IO thread: a participant's connection closed before it joined. */
    void failed(WsConnection connection, String reason) {
        firstFailure.compareAndSet(null, connection.identity + ": " + reason);
        failures.incrementAndGet();
        inFlight.release();
        settled.countDown();
    }

    /** Waits for room for one more join in flight; false when {@code deadline} (System.nanoTime) came first. */
    boolean acquire(long deadline) throws InterruptedException {
        return inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Waits until every participant joined or failed; false when {@code deadline} came first. */
    boolean await(long deadline) throws InterruptedException {
        return settled.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** When the last participant joined (System.nanoTime), or 0 when none did. */
    long lastJoinAt() {
        return lastJoinAt.get();
    }

    int failures() {
        return failures.get();
    }

    /** The first failure, naming the participant, or null. */
    String firstFailure() {
        return firstFailure.get();
    }

    /** Those that joined or failed so far. */
    int settled() {
        return count - (int) settled.getCount();
    }

    /** E.g. {@code 812 of 1100 participants joined}, for a timeout's message. */
    String soFar() {
        return (settled() - failures()) + " of " + count + " participants joined";
    }
}
