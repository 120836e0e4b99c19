package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How fast a stopping node sends its clients away (server.drainRate within half of server.shutdownGrace). */
class DrainPaceTest {

    @Test
    void theDrainRateWhenItSendsEveryoneWithinTheTime() {
        assertThat(Sessions.drainPace(1000, Duration.ofMillis(2500), 2000)).isEqualTo(1000);
    }

    @Test
    void fasterWhenTheDrainRateWouldTakeLonger() {
        assertThat(Sessions.drainPace(1000, Duration.ofMillis(2500), 10_000)).isEqualTo(4000);
    }

    @Test
    void zeroIsAllAtOnce() {
        assertThat(Sessions.drainPace(0, Duration.ofMillis(2500), 10)).isInfinite();
    }

    @Test
    void noTimeAtAllCountsAsOneTick() {
        assertThat(Sessions.drainPace(10, Duration.ZERO, 100)).isEqualTo(5000);
    }
}
