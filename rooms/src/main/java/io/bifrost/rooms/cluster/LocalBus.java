package io.bifrost.rooms.cluster;

import io.bifrost.rooms.room.RoomEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The single-node bus: events and signals are handed over in memory, on the publisher's thread.
 * Subscribers must not block: they queue frames and return.
 */
public final class LocalBus implements ClusterBus {
    private final RoomFeeds feeds;
    private final Map<String, Consumer<Signal>> inboxes = new ConcurrentHashMap<>();

    /** @param historyLimit room events kept per room, for subscribers that start behind */
    public LocalBus(int historyLimit) {
        this.feeds = new RoomFeeds(room -> new RoomFeed(room, historyLimit, null, null, BusMetrics.NONE));
    }

    /**
     * Hands a room event to the room's subscribers; called on the room's thread, in {@code seq}
     * order, and followed by {@link #flush} once the room has nothing more to do.
     */
    public void publish(RoomEvent event) {
        RoomFeed feed = feeds.get(event.room());
        if (feed != null) {
            feed.offer(event);
        }
    }

    /** Ends a run of the room's events: subscribers write out what they held back. */
    public void flush(String room) {
        RoomFeed feed = feeds.get(room);
        if (feed != null) {
            feed.flush();
        }
    }

    /** The room's last {@code seq} this bus delivered, 0 for none: a room created again goes on from there. */
    public long lastSeq(String room) {
        RoomFeed feed = feeds.get(room);
        return feed == null ? 0 : Math.max(0, feed.applied());
    }

    @Override
    public Subscription subscribe(String room, long afterSeq, RoomListener listener) {
        return feeds.subscribe(room, afterSeq, listener);
    }

    @Override
    public Subscription registerInbox(String participantId, Consumer<Signal> inbox) {
        // Each registration gets its own entry, so closing a replaced one never removes its successor.
        Consumer<Signal> entry = inbox::accept;
        inboxes.put(participantId, entry);
        return () -> inboxes.remove(participantId, entry);
    }

    /**
     * Delivers a signal to its recipient's inbox.
     *
     * @return false when the recipient has no inbox on this node
     */
    public boolean send(Signal signal) {
        Consumer<Signal> inbox = inboxes.get(signal.to());
        if (inbox == null) {
            return false;
        }
        inbox.accept(signal);
        return true;
    }

    @Override
    public int rooms() {
        return feeds.count();
    }

    @Override
    public boolean hasRoom(String room) {
        return feeds.has(room);
    }

    @Override
    public void close() {
        feeds.clear();
        inboxes.clear();
    }
}
