package io.bifrost.signaling.session;

/**
 * A token bucket: {@code burst} messages at once, refilled at {@code perSecond}. Used by one
 * session's inbound path only, which the transport runs one frame at a time, so it needs no
 * synchronization.
 */
final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double tokensPerNano;
    private final double burst;
    private double tokens;
    private long lastRefill;

    RateLimiter(int perSecond, int burst, long now) {
        this.tokensPerNano = (double) perSecond / NANOS_PER_SECOND;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = now;
    }

    boolean tryAcquire(long now) {
        tokens = Math.min(burst, tokens + (now - lastRefill) * tokensPerNano);
        lastRefill = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
