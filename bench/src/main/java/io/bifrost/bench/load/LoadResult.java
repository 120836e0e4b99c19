package io.bifrost.bench.load;

/**
 * What one run measured, inside its window. Every participant receives every message, the
 * publishers their own included (Bifrost's chat semantics, which the socket.io peer follows), so
 * {@code expected} is the messages sent in the window times the participants.
 *
 * @param deliveries  first receipts of messages sent in the window
 * @param losses      expected receipts that never came (within the drain after the window)
 * @param duplicates  receipts of a message a participant had already received
 * @param errors      error answers from the server (e.g. rate limits)
 * @param disconnects participants whose connection closed during the run
 */
public record LoadResult(String target, String label, int subscribers, int publishers, double rate, int payloadBytes,
                         int nodes, double warmupSeconds, double windowSeconds, long joinMillis,
                         long sent, long expected, long deliveries, long losses, long duplicates, long malformed,
                         long errors, long disconnects, double deliveriesPerSecond,
                         Latency latency, Latency sendLag, Usage server, Usage redis, Usage generator,
                         String firstError, String firstDisconnect) {

    /** A latency distribution in microseconds. */
    public record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {}

    /**
     * A process's (or processes') cost over the window.
     *
     * @param cores                CPU time over wall time: 1.0 is one core busy all the window
     * @param cpuMicrosPerDelivery CPU time per delivery in the window
     * @param systemShare          the part of the CPU time spent in the kernel, 0 to 1
     */
    public record Usage(long cpuMicros, double cores, double cpuMicrosPerDelivery, double systemShare,
                        long rssKbStart, long rssKbEnd) {}
}
