package io.bifrost.rooms.cluster.redis;

import io.bifrost.rooms.room.SpentTokens;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cluster's spent tokens: a Redis key per token, expiring with it, seen by every node. */
public final class RedisSpentTokens implements SpentTokens {
    private static final Logger log = LoggerFactory.getLogger(RedisSpentTokens.class);
    /**
     * How long an ended session still spends the tokens an earlier node hands on to it late: that
     * node hands them on as soon as it learns of the resume, seconds at most after it. Every leave
     * leaves such a key behind this long, so it is kept short.
     */
    private static final long ENDED_KEPT_MILLIS = TimeUnit.MINUTES.toMillis(5);

    /**
     * Keeps a session's handed-on tokens, or, when the session ended already, returns them to be
     * spent at once. KEYS: handed-on tokens, ended. ARGV: expiry of the hash in ms, then token
     * id and expiry pairs. Spending is the caller's: spent keys live in other slots of a cluster.
     */
    private static final Script HAND_ON = new Script("""
            if redis.call('EXISTS', KEYS[2]) == 1 then
              local pairs = {}
              for i = 2, #ARGV do pairs[#pairs + 1] = ARGV[i] end
              return pairs
            end
            for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return {}
            """);

    /** Marks the session ended and returns its handed-on tokens. KEYS: handed-on tokens, ended. ARGV: how long ended is kept, ms. */
    private static final Script END = new Script("""
            local pairs = redis.call('HGETALL', KEYS[1])
            redis.call('DEL', KEYS[1])
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
            return pairs
            """);

    private final RedisClusterAsyncCommands<String, String> redis;
    private final Duration timeout;

    /** @param timeout how long a join waits for the answer; without one it is let in (Redis unreachable) */
    public RedisSpentTokens(RedisStreamsBus bus, Duration timeout) {
        this.redis = bus.redis();
        this.timeout = timeout;
        bus.link().load(HAND_ON, END);
    }

    @Override
    public void handOn(String sessionId, Map<String, Long> tokens) {
        long now = System.currentTimeMillis();
        long lastExpiry = tokens.values().stream().mapToLong(Long::longValue).max().orElse(now);
        if (lastExpiry <= now) {
            return; // all expired: none can join again anyway
        }
        List<String> args = new ArrayList<>(List.of(Long.toString(lastExpiry - now)));
        tokens.forEach((id, expiresAt) -> {
            args.add(id);
            args.add(Long.toString(expiresAt));
        });
        HAND_ON.<List<String>>run(redis, ScriptOutputType.MULTI, sessionKeys(sessionId), args.toArray(String[]::new))
                .whenComplete((ended, failure) -> spendPairs(ended, failure, "handing on the tokens of session " + sessionId));
    }

    @Override
    public void spendHandedOn(String sessionId) {
        END.<List<String>>run(redis, ScriptOutputType.MULTI, sessionKeys(sessionId), Long.toString(ENDED_KEPT_MILLIS))
                .whenComplete((handedOn, failure) -> spendPairs(handedOn, failure, "spending the tokens handed on to session " + sessionId));
    }

    private void spendPairs(List<String> pairs, Throwable failure, String what) {
        if (failure != null) {
            log.warn("Redis failed {}: {}", what, failure.toString());
            return;
        }
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            spend(pairs.get(i), Long.parseLong(pairs.get(i + 1)));
        }
    }

    private static String[] sessionKeys(String sessionId) {
        return new String[] {Keys.handedOnTokens(sessionId), Keys.sessionEnded(sessionId)};
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
