package io.bifrost.signaling.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per key (a client address, a room), shared by every thread that takes from it:
 * {@code perSecond} at once, refilled at {@code perSecond}. Zero means no limit.
 */
public final class KeyedRateLimits {
    /**
     * Past this many keys every bucket is dropped: one re-created full is what an idle key would
     * have anyway, and a flood of new keys cannot grow the map without bound; it loses a second's worth.
     */
    private static final int PRUNE_ABOVE = 10_000;

    private final int perSecond;
    private final Map<String, RateLimiter> buckets = new ConcurrentHashMap<>();

    public KeyedRateLimits(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Takes one from the key's bucket; false when the key goes too fast. */
    public boolean tryAcquire(String key, long now) {
        if (perSecond == 0) {
            return true;
        }
        if (buckets.size() > PRUNE_ABOVE) {
            buckets.clear();
        }
        RateLimiter bucket = buckets.computeIfAbsent(key, k -> new RateLimiter(perSecond, perSecond, now));
        synchronized (bucket) {
            return bucket.tryAcquire(now);
        }
    }

    public int perSecond() {
        return perSecond;
    }
}
