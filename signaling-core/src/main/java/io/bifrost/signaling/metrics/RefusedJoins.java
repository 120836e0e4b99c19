package io.bifrost.signaling.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused joins in the log, without letting a flood of them fill the disk: the first refusal of
 * each reason is logged at once, later ones as one line per reason with their count, at most once
 * a minute, when the next one comes. An operator whose users cannot join sees why in the log;
 * {@code bifrost_joins_total} counts every one. Only the reason is logged, nothing of the request.
 */
final class RefusedJoins {
    private static final Logger log = LoggerFactory.getLogger(RefusedJoins.class);
    static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();

    void refused(String reason) {
        long now = System.nanoTime();
        long due = tallies.computeIfAbsent(reason, r -> new Tally(now - INTERVAL_NANOS)).count(now);
        if (due == 1) {
            log.info("Refused a join: {} (refusals are counted in bifrost_joins_total; more of them here at most once a minute)", reason);
        } else if (due > 1) {
            log.info("Refused {} joins in the last minute or more: {}", due, reason);
        }
    }

    /** One reason's refusals since it was last logged. */
    static final class Tally {
        private long loggedAt;
        private long count;

        Tally(long loggedAt) {
            this.loggedAt = loggedAt;
        }

        /** Counts a refusal at {@code now}. @return how many to log now, or 0 while the minute runs */
        synchronized long count(long now) {
            count++;
            if (now - loggedAt < INTERVAL_NANOS) {
                return 0;
            }
            long due = count;
            count = 0;
            loggedAt = now;
            return due;
        }
    }
}
