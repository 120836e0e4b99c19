package io.bifrost.signaling.session;

/**
 * A token bucket: {@code burst} at once, refilled at {@code perSecond}. Not synchronized: a
 * session's inbound path uses its own from one frame at a time; a shared one needs a lock.
 */
public final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double tokensPerNano;
    private final double burst;
    private double tokens;
    private long lastRefill;

    public RateLimiter(int perSecond, int burst, long now) {
        this.tokensPerNano = (double) perSecond / NANOS_PER_SECOND;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = now;
    }

    public boolean tryAcquire(long now) {
        tokens = Math.min(burst, tokens + (now - lastRefill) * tokensPerNano);
        lastRefill = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** Whether the bucket has refilled by {@code now}: then it is what a new one would be. */
    public boolean isFull(long now) {
        return tokens + (now - lastRefill) * tokensPerNano >= burst;
    }

    /** How long from {@code now} until {@link #tryAcquire} can succeed again; 0 when it can now. */
    public long nanosUntilNext(long now) {
        double available = Math.min(burst, tokens + (now - lastRefill) * tokensPerNano);
        return available >= 1 ? 0 : (long) Math.ceil((1 - available) / tokensPerNano);
    }
}
