package io.bifrost.signaling.session;

import java.util.concurrent.RejectedExecutionException;

/** Runs a short, non-blocking task later, off the caller's thread: the node's sweeper thread. */
@FunctionalInterface
public interface Scheduler {

    /** @throws RejectedExecutionException when the node is stopping and runs nothing more */
    void schedule(Runnable task, long delayNanos);
}
