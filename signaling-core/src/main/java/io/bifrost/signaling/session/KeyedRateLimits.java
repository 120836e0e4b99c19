package io.bifrost.signaling.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket per key (a client address, a room), shared by every thread that takes from it:
 * {@code perSecond} at once, refilled at {@code perSecond}. Zero means no limit.
 */
public final class KeyedRateLimits {
    /**
     * Past this many keys, the buckets that have refilled go, at most once a second. A full bucket
     * is what a new one would be, so no limit is forgotten: a flood of new keys (addresses an
     * attacker rotates through) neither grows the map past the keys busy within about a second
     * nor frees the keys that are still over their rate.
     */
    private static final int PRUNE_ABOVE = 10_000;
    private static final long PRUNE_EVERY_NANOS = 1_000_000_000L;
    private static final long NEVER = Long.MIN_VALUE;

    private final int perSecond;
    private final Map<String, RateLimiter> buckets = new ConcurrentHashMap<>();
    private final AtomicLong lastPrune = new AtomicLong(NEVER);

    public KeyedRateLimits(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Takes one from the key's bucket; false when the key goes too fast. */
    public boolean tryAcquire(String key, long now) {
        if (perSecond == 0) {
            return true;
        }
        if (buckets.size() > PRUNE_ABOVE) {
            prune(now);
        }
        RateLimiter bucket = buckets.computeIfAbsent(key, k -> new RateLimiter(perSecond, perSecond, now));
        synchronized (bucket) {
            return bucket.tryAcquire(now);
        }
    }

    public int perSecond() {
        return perSecond;
    }

    /** The keys that have a bucket now. */
    int keys() {
        return buckets.size();
    }

    /**
     * One thread at a time, once a second at most: the walk over every bucket costs as much as the
     * map is large. A bucket taken from while it goes loses at most that one token's count.
     */
    private void prune(long now) {
        long last = lastPrune.get();
        if (last != NEVER && now - last < PRUNE_EVERY_NANOS || !lastPrune.compareAndSet(last, now)) {
            return;
        }
        buckets.values().removeIf(bucket -> {
            synchronized (bucket) {
                return bucket.isFull(now);
            }
        });
    }
}
