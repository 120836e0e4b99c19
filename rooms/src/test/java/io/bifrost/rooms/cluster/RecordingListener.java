package io.bifrost.rooms.cluster;

import io.bifrost.rooms.room.RoomEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** A room listener that records what it hears, {@code ready} included, in the order heard. */
final class RecordingListener implements RoomListener {
    /** What {@code ready} said, recorded among the events. */
    enum Ready { COMPLETE, INCOMPLETE }

    // A listener may be called on a feed's timer thread or a history reader's; the test reads on its own.
    private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    // Filled from arrivals on the test thread only.
    private final List<Object> heard = new ArrayList<>();
    private final AtomicInteger eventsHeard = new AtomicInteger();
    private final List<Integer> flushes = new CopyOnWriteArrayList<>();

    @Override
    public void ready(boolean complete) {
        arrivals.add(complete ? Ready.COMPLETE : Ready.INCOMPLETE);
    }

    @Override
    public void event(RoomEvent event) {
        eventsHeard.incrementAndGet();
        arrivals.add(event);
    }

    @Override
    public void flush() {
        flushes.add(eventsHeard.get());
    }

    /** How many events had been heard at each flush, in order. */
    List<Integer> flushes() {
        return List.copyOf(flushes);
    }

    /** Everything heard so far: {@link Ready} markers and events. */
    List<Object> heard() {
        arrivals.drainTo(heard);
        return List.copyOf(heard);
    }

    /** The events heard so far, without the {@link Ready} markers. */
    List<RoomEvent> events() {
        List<RoomEvent> events = new ArrayList<>();
        for (Object o : heard()) {
            if (o instanceof RoomEvent event) {
                events.add(event);
            }
        }
        return events;
    }
}
