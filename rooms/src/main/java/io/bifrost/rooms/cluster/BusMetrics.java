package io.bifrost.rooms.cluster;

/** What a bus reports about itself; the node maps it to its meter registry. */
public interface BusMetrics {
    BusMetrics NONE = new BusMetrics() {};

    /** An event or signal was written for other nodes to read. */
    default void published(String kind) {}

    /** An event or signal reached this node, {@code lagMillis} after it was published. */
    default void delivered(String kind, long lagMillis) {}

    /** A room event this node had already applied, or a signal it had delivered, arrived again and was dropped. */
    default void duplicate(String kind) {}

    /** Missing room events were read back from the room's history. */
    default void refetched(int events) {}

    /** Room events or signals that could not be delivered: trimmed history, or no recipient. */
    default void lost(String kind, int count) {}
}
