package io.bifrost.android;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a room reconnects when its connection drops: up to {@code maxAttempts} attempts, each after
 * a random delay below a ceiling that starts at {@code initialDelay} and doubles up to
 * {@code maxDelay} ("full jitter", so that clients a node restart dropped together do not all
 * come back in the same instant). The same pacing as the JavaScript SDK.
 */
public final class ReconnectPolicy {
    /** Ten attempts from half a second up to ten seconds apart: about a minute, long enough for a node restart. */
    public static final ReconnectPolicy DEFAULT = new ReconnectPolicy(10, Duration.ofMillis(500), Duration.ofSeconds(10));
    /** A dropped connection ends the room. */
    public static final ReconnectPolicy NEVER = new ReconnectPolicy(0, Duration.ZERO, Duration.ZERO);

    private final int maxAttempts;
    private final Duration initialDelay;
    private final Duration maxDelay;

    public ReconnectPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {
        if (maxAttempts < 0 || initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxAttempts must be 0 or more and 0 <= initialDelay <= maxDelay");
        }
        this.maxAttempts = maxAttempts;
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** The delay before attempt {@code attempt} (1-based): uniform below the attempt's ceiling. */
    long delayMillis(int attempt) {
        long ceiling = initialDelay.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        ceiling = Math.min(ceiling, maxDelay.toMillis());
        return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling);
    }
}
