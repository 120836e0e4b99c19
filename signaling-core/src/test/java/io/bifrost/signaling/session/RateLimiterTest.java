package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long MILLI = 1_000_000L;

    @Test
    void aSpentBucketSaysWhenItHoldsTheNextToken() {
        RateLimiter limiter = new RateLimiter(50, 2, 0);
        assertThat(limiter.nanosUntilNext(0)).as("full").isZero();
        assertThat(limiter.tryAcquire(0)).isTrue();
        assertThat(limiter.tryAcquire(0)).isTrue();
        assertThat(limiter.tryAcquire(0)).isFalse();

        // within a few nanoseconds: the bucket counts in doubles
        assertThat(limiter.nanosUntilNext(0)).as("one token a 50th of a second").isCloseTo(20 * MILLI, within(2L));
        assertThat(limiter.nanosUntilNext(15 * MILLI)).isCloseTo(5 * MILLI, within(2L));
        assertThat(limiter.tryAcquire(19 * MILLI)).as("not yet").isFalse();
        assertThat(limiter.nanosUntilNext(19 * MILLI)).isCloseTo(MILLI, within(2L));
        assertThat(limiter.tryAcquire(20 * MILLI + 2)).as("once that time passed").isTrue();
        assertThat(limiter.nanosUntilNext(20 * MILLI + 2)).as("spent again").isCloseTo(20 * MILLI, within(4L));
    }
}
