package io.bifrost.sfu.janus;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests for what happens on other threads or in Janus. */
final class Eventually {
    /** Often enough to see a change soon after it happens, rarely enough not to load Janus. */
    private static final long POLL_MILLIS = 20;

    private Eventually() {}

    static void await(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + what, e);
            }
        }
    }
}
