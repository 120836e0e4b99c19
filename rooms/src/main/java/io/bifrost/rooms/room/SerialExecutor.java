package io.bifrost.rooms.room;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: a room's "thread" without
 * a thread per room and without locks. The work-in-progress counter decides who drains: the
 * submitter that moves it from 0 schedules a drain; the drain runs until it returns to 0.
 *
 * <p>Whenever nothing is queued behind the task just run, and before a long drain yields its
 * thread, {@code idle} runs: the room lets out what its tasks held back for a burst.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    /** After this many tasks a busy room yields its pool thread so other rooms are not starved. */
    private static final int TASKS_PER_TURN = 256;

    private final Executor pool;
    private final String name;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Runnable idle;

    SerialExecutor(Executor pool, String name, Runnable idle) {
        this.pool = pool;
        this.name = name;
        this.idle = idle;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (pending.getAndIncrement() == 0) {
            pool.execute(this::drain);
        }
    }

    private void drain() {
        for (int ran = 1; ; ran++) {
            run(tasks.poll());
            // A task submitted after this check finds pending above 0 and comes next, followed by idle again.
            if (pending.get() == 1 || ran == TASKS_PER_TURN) {
                run(idle);
            }
            if (pending.decrementAndGet() == 0) {
                return;
            }
            if (ran == TASKS_PER_TURN) {
                pool.execute(this::drain);
                return;
            }
        }
    }

    private void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            log.error("{}: task failed", name, e);
        }
    }
}
