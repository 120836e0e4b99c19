package io.bifrost.rooms.testing;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * A pool the test drives: tasks run when the test says so, in submission order, on the test's
 * thread. Rooms on it are deterministic: nothing happens between two steps of a test.
 */
public final class ManualExecutor implements Executor {
    private final Queue<Runnable> queue = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
        queue.add(task);
    }

    /** Runs tasks, those they submit included, until none is left. @return how many ran */
    public int runAll() {
        int ran = 0;
        for (Runnable task = next(); task != null; task = next()) {
            task.run();
            ran++;
        }
        return ran;
    }

    private synchronized Runnable next() {
        return queue.poll();
    }
}
