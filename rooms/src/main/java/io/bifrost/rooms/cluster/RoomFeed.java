package io.bifrost.rooms.cluster;

import io.bifrost.rooms.room.RoomEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One room's events on this node, as its subscribers see them: in {@code seq} order, each once,
 * whatever order and how many times they arrived. Events that arrive ahead of a gap wait for
 * it to fill; a gap that stays open is read back from the room's history. The last events are
 * kept in memory, so a subscriber that starts a little behind (a session resuming, a join
 * whose answer crossed newer events) is served without asking anyone.
 *
 * <p>Every method holds the feed's lock, and listeners are called under it: that is what keeps
 * the order. Listeners only queue frames, so the lock is held briefly.
 *
 * <p>Whoever offers events ends each run of them with {@link #flush()}: a listener may hold what
 * a run queued until then, which lets a burst of events leave in one write per connection
 * instead of one write per event (the write, not the fan-out, is what a delivery costs).
 */
public final class RoomFeed {
    private static final Logger log = LoggerFactory.getLogger(RoomFeed.class);
    /** Before the bus knows where a room's sequence stands, it holds events instead of dropping them. */
    private static final long UNKNOWN = -1;
    /**
     * How long a gap may stay open before it is read back: events of one room are written by
     * several nodes, so seq n+1 may overtake seq n by a network round trip or two.
     */
    static final long GAP_WAIT_MILLIS = 250;

    /** Reads a room's past events, {@code fromSeq} to {@code toSeq} inclusive, as far as they are kept. */
    public interface History {
        CompletionStage<List<RoomEvent>> read(String room, long fromSeq, long toSeq);
    }

    private final String room;
    private final int historyLimit;
    private final History history;             // null: nothing is kept beyond this node's memory
    private final ScheduledExecutorService timer; // null when there is no history to read
    private final BusMetrics metrics;

    private final ArrayDeque<RoomEvent> recent = new ArrayDeque<>();
    private final TreeMap<Long, RoomEvent> early = new TreeMap<>();
    // Copy-on-write: a listener may end its own subscription while an event is delivered to it.
    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private long applied = UNKNOWN;
    private long lostThrough = UNKNOWN; // the last seq of the latest gap given up as lost
    // Atomic, not under the feed's lock: RoomFeeds reads it inside the map's compute, and a
    // listener ending its subscription holds the feed's lock and then needs the map's.
    private final AtomicInteger holds = new AtomicInteger();
    private boolean gapCheckScheduled;
    private boolean unflushed; // events were delivered since the last flush

    public RoomFeed(String room, int historyLimit, History history, ScheduledExecutorService timer, BusMetrics metrics) {
        this.room = room;
        this.historyLimit = historyLimit;
        this.history = history;
        this.timer = timer;
        this.metrics = metrics;
    }

    /** An event from the bus, in any order, possibly again; a run of offers ends with {@link #flush()}. */
    public synchronized void offer(RoomEvent event) {
        long seq = event.seq();
        if ((applied != UNKNOWN && seq <= applied) || early.containsKey(seq)) {
            metrics.duplicate("event");
            return;
        }
        early.put(seq, event);
        if (applied != UNKNOWN) {
            drain();
        }
    }

    /** Ends a run of offered events: listeners write out what they held back. */
    public synchronized void flush() {
        if (!unflushed) {
            return;
        }
        unflushed = false;
        for (Entry entry : entries) {
            entry.flush();
        }
    }

    /** The highest {@code seq} applied, or -1 before the first subscriber said where to start. */
    public synchronized long applied() {
        return applied;
    }

    /** Where the room stands, when known from elsewhere; ignored once the feed has a position. */
    public synchronized void startAt(long seq) {
        if (applied == UNKNOWN) {
            applied = seq;
            early.headMap(seq, true).clear();
            drain();
            flush();
        }
    }

    synchronized Entry subscribe(long afterSeq, RoomListener listener) {
        Entry entry = new Entry(listener, afterSeq);
        if (applied == UNKNOWN) {
            applied = afterSeq;
            early.headMap(afterSeq, true).clear();
        }
        long oldest = recent.isEmpty() ? applied + 1 : recent.peekFirst().seq();
        // Memory serves a subscriber only if nothing it needs fell into a gap given up as lost.
        if (afterSeq >= applied || (oldest <= afterSeq + 1 && afterSeq >= lostThrough)) {
            entry.ready(true);
            for (RoomEvent event : recent) {
                entry.offer(event);
            }
            entries.add(entry);
            drain();
            unflushed = true; // the replay above
            flush();
            return entry;
        }
        if (history == null) {
            entry.ready(false);
            return entry;
        }
        entry.backlog = new ArrayList<>(recent);
        entries.add(entry);
        long from = afterSeq + 1;
        long to = Math.max(oldest - 1, lostThrough);
        history.read(room, from, to).whenComplete((events, failure) -> caughtUp(entry, from, to, events, failure));
        return entry;
    }

    private synchronized void caughtUp(Entry entry, long from, long to, List<RoomEvent> events, Throwable failure) {
        if (!entries.contains(entry)) {
            return; // closed meanwhile
        }
        if (failure != null || !contiguous(events, from, to)) {
            entries.remove(entry);
            if (failure != null) {
                log.warn("{}: reading events {} to {} from history failed: {}", room, from, to, failure.toString());
            }
            entry.ready(false);
            return;
        }
        metrics.refetched(events.size());
        entry.ready(true);
        List<RoomEvent> backlog = entry.backlog;
        entry.backlog = null;
        for (RoomEvent event : events) {
            entry.offer(event);
        }
        for (RoomEvent event : backlog) {
            entry.offer(event);
        }
        unflushed = true;
        flush();
    }

    /**
     * Not under the feed's lock: a listener ends its subscription holding locks of its own (a
     * session's outbox, whose write failed), and the feed's flush takes those after its lock.
     * Copy-on-write entries let it go at any moment; a delivery under way may still reach it.
     */
    void remove(Entry entry) {
        entries.remove(entry);
    }

    void hold() {
        holds.incrementAndGet();
    }

    void release() {
        holds.decrementAndGet();
    }

    boolean idle() {
        return entries.isEmpty() && holds.get() == 0;
    }

    private void drain() {
        while (!early.isEmpty() && early.firstKey() == applied + 1) {
            apply(early.pollFirstEntry().getValue());
        }
        if (!early.isEmpty()) {
            gapOpened();
        }
    }

    private void apply(RoomEvent event) {
        applied = event.seq();
        recent.addLast(event);
        if (recent.size() > historyLimit) {
            recent.removeFirst();
        }
        for (Entry entry : entries) {
            entry.offer(event);
        }
        unflushed = true;
    }

    private void gapOpened() {
        if (history == null) {
            skipGap(); // in memory, events are published in order: a gap cannot be waited out
            return;
        }
        if (!gapCheckScheduled) {
            gapCheckScheduled = true;
            timer.schedule(this::fillGap, GAP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void fillGap() {
        long from;
        long to;
        synchronized (this) {
            gapCheckScheduled = false;
            if (early.isEmpty()) {
                return;
            }
            from = applied + 1;
            to = early.firstKey() - 1;
        }
        history.read(room, from, to).whenComplete((events, failure) -> filled(from, to, events, failure));
    }

    private synchronized void filled(long from, long to, List<RoomEvent> events, Throwable failure) {
        if (applied >= to) {
            return; // the live copies arrived meanwhile
        }
        if (failure != null) {
            log.warn("{}: reading missing events {} to {} failed, trying again: {}", room, from, to, failure.toString());
            gapOpened();
            return;
        }
        metrics.refetched(events.size());
        for (RoomEvent event : events) {
            if (event.seq() > applied) {
                early.putIfAbsent(event.seq(), event);
            }
        }
        if (!early.isEmpty() && early.firstKey() > applied + 1) {
            skipGap();
        }
        drain();
        flush();
    }

    /** The missing events are gone for good: say so, and go on with what came after them. */
    private void skipGap() {
        long missing = early.firstKey() - applied - 1;
        metrics.lost("event", (int) missing);
        log.error("{}: events {} to {} are lost (no longer in the room's history)", room, applied + 1, early.firstKey() - 1);
        applied = early.firstKey() - 1;
        lostThrough = applied;
    }

    private static boolean contiguous(List<RoomEvent> events, long from, long to) {
        if (events.size() != to - from + 1) {
            return false;
        }
        long expected = from;
        for (RoomEvent event : events) {
            if (event.seq() != expected++) {
                return false;
            }
        }
        return true;
    }

    /** One subscriber's position; touched under the feed's lock only. */
    static final class Entry {
        final RoomListener listener;
        long lastSeq;
        List<RoomEvent> backlog; // non-null while older events are read back from history

        Entry(RoomListener listener, long afterSeq) {
            this.listener = listener;
            this.lastSeq = afterSeq;
        }

        void offer(RoomEvent event) {
            if (backlog != null) {
                backlog.add(event);
            } else if (event.seq() > lastSeq) {
                lastSeq = event.seq();
                try {
                    listener.event(event);
                } catch (RuntimeException e) {
                    log.error("{}: a listener failed on event {}", event.room(), event.seq(), e);
                }
            }
        }

        void flush() {
            try {
                listener.flush();
            } catch (RuntimeException e) {
                log.error("A room listener failed to flush", e);
            }
        }

        void ready(boolean complete) {
            try {
                listener.ready(complete);
            } catch (RuntimeException e) {
                log.error("A room listener failed when told it is ready", e);
            }
        }
    }
}
