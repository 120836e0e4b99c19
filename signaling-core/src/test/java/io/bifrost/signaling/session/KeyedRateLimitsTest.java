package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedRateLimitsTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aKeyOverItsRateStaysLimitedWhateverManyOtherKeysCome() {
        KeyedRateLimits limits = new KeyedRateLimits(3);
        long now = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(limits.tryAcquire("10.0.0.1", now)).isTrue();
        }
        assertThat(limits.tryAcquire("10.0.0.1", now)).isFalse();

        // an attacker rotating through addresses, every one of them new
        for (int i = 0; i < 30_000; i++) {
            now += 10_000; // 30,000 in 0.3 s
            assertThat(limits.tryAcquire("2001:db8::" + Integer.toHexString(i), now)).isTrue();
        }

        assertThat(limits.tryAcquire("10.0.0.1", now)).as("the busy address, 0.3 s later").isFalse();
    }

    @Test
    void bucketsThatRefilledGoOnceTheMapIsLarge() {
        KeyedRateLimits limits = new KeyedRateLimits(3);
        long now = 0;
        once(limits, "a", 15_000, now);
        assertThat(limits.keys()).isEqualTo(15_000);

        now += 2 * SECOND; // every bucket has refilled
        assertThat(limits.tryAcquire("10.0.0.1", now)).isTrue();
        assertThat(limits.keys()).as("the refilled buckets gone, the new key kept").isEqualTo(1);
    }

    @Test
    void theWalkOverTheBucketsComesAtMostOnceASecond() {
        KeyedRateLimits limits = new KeyedRateLimits(3);
        long now = 0;
        once(limits, "a", 15_000, now);
        now += 2 * SECOND;
        limits.tryAcquire("b0", now); // prunes: one key left
        once(limits, "b-", 14_999, now);
        now += 2 * SECOND;
        limits.tryAcquire("c", now); // prunes again, a second and more later
        assertThat(limits.keys()).isEqualTo(1);
        once(limits, "d", 15_000, now);
        limits.tryAcquire("e", now + SECOND / 2); // too soon: the refilled-or-not buckets stay
        assertThat(limits.keys()).isEqualTo(15_002);
    }

    /** One acquire each for {@code count} keys of this prefix. */
    private static void once(KeyedRateLimits limits, String prefix, int count, long now) {
        for (int i = 0; i < count; i++) {
            limits.tryAcquire(prefix + i, now);
        }
    }
}
