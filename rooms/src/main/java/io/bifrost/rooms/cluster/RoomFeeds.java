package io.bifrost.rooms.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The feeds of the rooms this node has subscribers in. A feed lives while it has subscribers
 * or holds (a join in flight that will subscribe), so events that arrive before the join's
 * answer are kept.
 */
public final class RoomFeeds {
    private final Map<String, RoomFeed> feeds = new ConcurrentHashMap<>();
    private final Function<String, RoomFeed> factory;

    public RoomFeeds(Function<String, RoomFeed> factory) {
        this.factory = factory;
    }

    /** The room's feed, or null when nobody on this node listens to the room. */
    public RoomFeed get(String room) {
        return feeds.get(room);
    }

    public boolean has(String room) {
        return feeds.containsKey(room);
    }

    public int count() {
        return feeds.size();
    }

    public ClusterBus.Subscription subscribe(String room, long afterSeq, RoomListener listener) {
        RoomFeed feed = hold(room);
        RoomFeed.Entry entry;
        try {
            entry = feed.subscribe(afterSeq, listener);
        } finally {
            release(room, feed);
        }
        return () -> {
            feed.remove(entry);
            retireIfIdle(room, feed);
        };
    }

    /** Keeps the room's feed, creating it if needed, until {@link #release}. */
    public RoomFeed hold(String room) {
        // Holding inside compute: a concurrent retirement of an idle feed cannot slip in between.
        return feeds.compute(room, (name, feed) -> {
            RoomFeed target = feed != null ? feed : factory.apply(name);
            target.hold();
            return target;
        });
    }

    public void release(String room, RoomFeed feed) {
        feed.release();
        retireIfIdle(room, feed);
    }

    public void clear() {
        feeds.clear();
    }

    private void retireIfIdle(String room, RoomFeed feed) {
        feeds.computeIfPresent(room, (name, current) -> current == feed && current.idle() ? null : current);
    }
}
