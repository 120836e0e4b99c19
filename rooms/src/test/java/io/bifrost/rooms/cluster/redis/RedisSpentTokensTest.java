package io.bifrost.rooms.cluster.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.rooms.cluster.BusMetrics;
import io.bifrost.rooms.testing.RedisFixture;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tokens a session held on the nodes it was on before it resumed are spent when it leaves,
 * whichever comes first in Redis: the earlier node handing them on, or the session's end.
 */
@Timeout(60)
class RedisSpentTokensTest {
    private static final long IN_AN_HOUR = System.currentTimeMillis() + Duration.ofHours(1).toMillis();

    private static RedisFixture redis;
    private static RedisLink link;
    private static RedisSpentTokens spent;

    @BeforeAll
    static void start() {
        redis = RedisFixture.start();
        link = RedisLink.connect(redis.url(), Duration.ofSeconds(2));
        spent = new RedisSpentTokens(new RedisStreamsBus(link, "n1", 100, 16, BusMetrics.NONE), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        if (link != null) {
            link.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void handedOnTokensAreSpentWhenTheSessionEnds() throws Exception {
        spent.handOn("s_first", Map.of("t-original", IN_AN_HOUR));
        Thread.sleep(200);
        assertThat(spent.isSpent("t-original")).as("spent while the session goes on").isFalse();

        spent.spendHandedOn("s_first");

        assertThat(spentWithin("t-original")).isTrue();
    }

    @Test
    void tokensHandedOnAfterTheSessionEndedAreSpentAtOnce() throws Exception {
        spent.spendHandedOn("s_late");

        spent.handOn("s_late", Map.of("t-late", IN_AN_HOUR));

        assertThat(spentWithin("t-late")).isTrue();
    }

    @Test
    void expiredTokensAreNotKept() throws Exception {
        spent.handOn("s_old", Map.of("t-expired", System.currentTimeMillis() - 1000));
        spent.spendHandedOn("s_old");

        assertThat(spentWithin("t-expired")).isFalse();
    }

    /** Spending follows a script's answer: a moment after the call returns. */
    private static boolean spentWithin(String tokenId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < deadline) {
            if (spent.isSpent(tokenId)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
