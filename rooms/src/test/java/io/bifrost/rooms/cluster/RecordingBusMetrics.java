package io.bifrost.rooms.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts what a bus reports; thread-safe, since a feed reports from its timer's thread too. */
final class RecordingBusMetrics implements BusMetrics {
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger refetched = new AtomicInteger();
    private final Map<String, Integer> lost = new ConcurrentHashMap<>();

    @Override
    public void duplicate(String kind) {
        duplicates.incrementAndGet();
    }

    @Override
    public void refetched(int events) {
        refetched.addAndGet(events);
    }

    @Override
    public void lost(String kind, int count) {
        lost.merge(kind, count, Integer::sum);
    }

    int duplicates() {
        return duplicates.get();
    }

    int refetched() {
        return refetched.get();
    }

    /** How many of this kind were reported lost, 0 if none. */
    int lost(String kind) {
        return lost.getOrDefault(kind, 0);
    }
}
