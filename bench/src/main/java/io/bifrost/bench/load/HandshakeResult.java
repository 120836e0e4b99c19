package io.bifrost.bench.load;

/**
 * What a handshake run measured (scenario 4), over the pairs started inside the window.
 *
 * @param rate                the handshakes started a second (the offered load)
 * @param started             pairs due inside the window
 * @param completed           pairs where each side received the other's offer or answer and every candidate
 * @param failed              pairs that did not: refused, an error answer, a dropped connection, not
 *                            done when the drain ended, or not started because too many were under way
 * @param handshakesPerSecond completed pairs over the window's length
 * @param latency             per completed pair, from its due time to the moment both sides had every
 *                            signal, microseconds: it includes both joins
 * @param server              the server's CPU over the window; its cpuMicrosPerDelivery is per completed handshake
 */
public record HandshakeResult(String mode, String target, String label, double rate, int candidates,
                              double warmupSeconds, double windowSeconds, long started, long completed, long failed,
                              String firstFailure, double handshakesPerSecond, LoadResult.Latency latency,
                              LoadResult.Usage server, LoadResult.Usage generator) {
    public static final String MODE = "handshake";
}
