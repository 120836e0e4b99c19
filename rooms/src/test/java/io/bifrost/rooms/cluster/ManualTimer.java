package io.bifrost.rooms.cluster;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A timer whose time the test moves: tasks are recorded with their delay and run only when the
 * test says the time has come. It supports what a feed needs, {@code schedule(Runnable, delay,
 * unit)}; any other method throws.
 */
final class ManualTimer {
    /** A scheduled task and the delay it asked for. */
    record Task(Runnable task, long delayMillis) {}

    // Touched on the test's thread only: the feeds under test call it from the test's calls.
    private final List<Task> scheduled = new ArrayList<>();
    private final ScheduledExecutorService executor = (ScheduledExecutorService) Proxy.newProxyInstance(
            ManualTimer.class.getClassLoader(), new Class<?>[] {ScheduledExecutorService.class},
            (proxy, method, args) -> {
                if (method.getName().equals("schedule") && args.length == 3 && args[0] instanceof Runnable task) {
                    scheduled.add(new Task(task, ((TimeUnit) args[2]).toMillis((Long) args[1])));
                    return null; // feeds never cancel: nothing to hand back
                }
                if (method.getName().equals("toString") && args == null) {
                    return "ManualTimer";
                }
                throw new UnsupportedOperationException("ManualTimer does not support " + method);
            });

    ScheduledExecutorService executor() {
        return executor;
    }

    /** The tasks waiting to run. */
    List<Task> scheduled() {
        return List.copyOf(scheduled);
    }

    /** Lets the time of every waiting task come, and runs them; tasks they schedule wait for the next call. */
    void elapse() {
        List<Task> due = List.copyOf(scheduled);
        scheduled.clear();
        due.forEach(t -> t.task().run());
    }
}
