package io.bifrost.bench.load;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What one IO thread counted inside the measurement window. Each thread owns its tally, so the
 * hot path takes no lock; the tallies are added up once the threads stopped.
 */
final class Tally {
    /** Latencies above this are recorded as this: a two-minute delivery is a loss in all but name. */
    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);

    /** Send to receive, microseconds, one value per first delivery. */
    final Histogram latency = new Histogram(HIGHEST_MICROS, 3);
    /** How late the generator sent against its schedule, microseconds: a busy generator shows here. */
    final Histogram sendLag = new Histogram(HIGHEST_MICROS, 3);
    /** From a participant's connect to its first join, microseconds, one value per participant. */
    final Histogram joinLatency = new Histogram(HIGHEST_MICROS, 3);
    long sent;
    long deliveries;
    long duplicates;
    long malformed;
    long errors;
    long disconnects;
    String firstError;
    String firstDisconnect;

    static void record(Histogram histogram, long nanos) {
        histogram.recordValue(Math.min(Math.max(nanos / 1000, 0), HIGHEST_MICROS));
    }

    void add(Tally other) {
        latency.add(other.latency);
        sendLag.add(other.sendLag);
        joinLatency.add(other.joinLatency);
        sent += other.sent;
        deliveries += other.deliveries;
        duplicates += other.duplicates;
        malformed += other.malformed;
        errors += other.errors;
        disconnects += other.disconnects;
        if (firstError == null) {
            firstError = other.firstError;
        }
        if (firstDisconnect == null) {
            firstDisconnect = other.firstDisconnect;
        }
    }
}
