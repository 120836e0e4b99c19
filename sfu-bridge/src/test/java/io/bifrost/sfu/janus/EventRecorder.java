package io.bifrost.sfu.janus;

import io.bifrost.sfu.EndpointListener;
import io.bifrost.sfu.SfuEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records an endpoint's events for a test to wait on. */
final class EventRecorder implements EndpointListener {
    private final BlockingQueue<SfuEvent> events = new LinkedBlockingQueue<>();
    private final List<SfuEvent> seen = new ArrayList<>();

    @Override
    public void onEvent(SfuEvent event) {
        events.add(event);
    }

    /** The next event of this type, skipping others; fails after {@code timeout}. */
    <T extends SfuEvent> T await(Class<T> type, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            SfuEvent event = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (event == null) {
                throw new AssertionError("no " + type.getSimpleName() + " within " + timeout + "; saw " + seen);
            }
            seen.add(event);
            if (type.isInstance(event)) {
                return type.cast(event);
            }
        }
    }
}
