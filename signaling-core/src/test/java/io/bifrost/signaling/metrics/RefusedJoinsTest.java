package io.bifrost.signaling.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefusedJoinsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theFirstRefusalIsLoggedAtOnceThenTheRestAtMostOnceAMinuteWithTheirCount() {
        RefusedJoins.Tally tally = new RefusedJoins.Tally(-RefusedJoins.INTERVAL_NANOS);
        List<Long> logged = new ArrayList<>();
        logged.add(tally.count(0));
        for (long at = 1; at < 60; at++) {
            logged.add(tally.count(at * SECOND)); // 59 more within the minute
        }
        logged.add(tally.count(60 * SECOND));     // the minute is over: all of them at once
        logged.add(tally.count(61 * SECOND));

        assertThat(logged.get(0)).as("the first").isEqualTo(1);
        assertThat(logged.subList(1, 60)).as("within the minute").containsOnly(0L);
        assertThat(logged.get(60)).as("the minute's count, this one included").isEqualTo(60);
        assertThat(logged.get(61)).as("a new minute has begun").isZero();
    }
}
