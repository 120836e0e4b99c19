package io.bifrost.rooms.cluster.redis;

import io.bifrost.rooms.room.SpentTokens;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cluster's spent tokens: a Redis key per token, expiring with it, seen by every node. */
public final class RedisSpentTokens implements SpentTokens {
    private static final Logger log = LoggerFactory.getLogger(RedisSpentTokens.class);
    private final RedisClusterAsyncCommands<String, String> redis;
    private final Duration timeout;

    /** @param timeout how long a join waits for the answer; without one it is let in (Redis unreachable) */
    public RedisSpentTokens(RedisStreamsBus bus, Duration timeout) {
        this.redis = bus.redis();
        this.timeout = timeout;
    }

    @Override
    public void spend(String tokenId, long expiresAtMillis) {
        if (expiresAtMillis > System.currentTimeMillis()) {
            redis.set(Keys.spentToken(tokenId), "1", SetArgs.Builder.pxAt(expiresAtMillis));
        }
    }

    @Override
    public boolean isSpent(String tokenId) {
        try {
            return redis.exists(Keys.spentToken(tokenId)).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS) > 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            // Open rather than closed: a Redis outage must not lock every client out; the token is still verified.
            log.warn("Whether a token was spent could not be checked in Redis ({}); it is let in", e.toString());
            return false;
        }
    }
}
