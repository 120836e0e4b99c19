package io.bifrost.bench.load;

import io.bifrost.bench.proc.ProcessSample;
import org.HdrHistogram.Histogram;

/**
 * What one run measured, inside its window. Every participant receives every message, the
 * publishers their own included (Bifrost's chat semantics, which the socket.io peer follows), so
 * {@code expected} is the messages sent in the window times the participants; in a run that kills
 * a node ({@code recovery} present), it is the messages the room accepted times the participants.
 *
 * @param deliveries  first receipts of messages sent in the window
 * @param losses      expected receipts that never came (within the drain after the window)
 * @param duplicates  receipts of a message a participant had already received
 * @param errors      error answers from the server (e.g. rate limits)
 * @param disconnects participants whose connection closed during the run
 * @param recovery    what happened when a node was killed mid-window; null when none was
 */
public record LoadResult(String target, String label, int subscribers, int publishers, double rate, int payloadBytes,
                         int nodes, double warmupSeconds, double windowSeconds, long joinMillis,
                         long sent, long expected, long deliveries, long losses, long duplicates, long malformed,
                         long errors, long disconnects, double deliveriesPerSecond,
                         Latency latency, Latency sendLag, Usage server, Usage redis, Usage generator,
                         String firstError, String firstDisconnect, Recovery recovery) {

    /** A latency distribution in microseconds. */
    public record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), Math.round(h.getMean() * 10) / 10.0,
                    h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue());
        }
    }

    /**
     * A process's (or processes') cost over the window.
     *
     * @param cores                CPU time over wall time: 1.0 is one core busy all the window
     * @param cpuMicrosPerDelivery CPU time per unit of the run's work in the window: a delivery,
     *                             or in the other scenarios a join or a handshake
     * @param systemShare          the part of the CPU time spent in the kernel, 0 to 1
     */
    public record Usage(long cpuMicros, double cores, double cpuMicrosPerDelivery, double systemShare,
                        long rssKbStart, long rssKbEnd) {
        /** The cost between two samples {@code seconds} apart, for {@code units} of work; null when a sample is missing. */
        static Usage between(ProcessSample start, ProcessSample end, double seconds, long units) {
            if (start == null || end == null) {
                return null;
            }
            long cpu = end.cpuMicros() - start.cpuMicros();
            long system = end.systemMicros() - start.systemMicros();
            return new Usage(cpu, Math.round(cpu / (seconds * 1e6) * 1000) / 1000.0,
                    units == 0 ? 0 : Math.round((double) cpu / units * 100) / 100.0,
                    cpu == 0 ? 0 : Math.round((double) system / cpu * 1000) / 1000.0, start.rssKb(), end.rssKb());
        }
    }

    /**
     * A node killed with SIGKILL mid-window, and its participants coming back on the others.
     *
     * @param killedAfterSeconds when the node was killed, from the window's start
     * @param dropped            participants whose connection the kill closed
     * @param resumed            of those, the ones that took their session back
     * @param rejoined           the ones that came back as new participants (the session was not resumed)
     * @param notBack            the ones that were not back when the run ended
     * @param backMillis         from the kill until the last dropped participant was back
     * @param unaccepted         messages sent in the window that no participant ever received: written
     *                           to the killed node and lost with it before the room had them; their
     *                           senders had no acknowledgement and would send them again
     */
    public record Recovery(double killedAfterSeconds, int dropped, int resumed, int rejoined, int notBack,
                           long backMillis, long unaccepted) {}
}
