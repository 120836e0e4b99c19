package io.bifrost.bench.load;

/**
 * What a connect storm measured (scenario 3).
 *
 * @param joined                 connections that joined their room
 * @param failed                 connections that did not: refused, closed, or still out at the join timeout
 * @param joinMillis             from the storm's first connect until its last join
 * @param joinLatency            per connection, from its connect to its join, microseconds
 * @param disconnects            joined connections that closed while they were idle
 * @param rssKbBefore            the server's resident memory before the storm (after the warm-up connections)
 * @param rssKbAfter             the same after the idle time, every storm connection still open
 * @param rssBytesPerConnection  the difference per joined connection
 * @param heapBytesBefore        the server's live heap before the storm, after a full collection; 0 when not measured
 * @param heapBytesPerConnection the difference per joined connection
 * @param serverDuringJoins      the server's CPU during the storm; its cpuMicrosPerDelivery is per join
 */
public record StormResult(String mode, String target, String label, int connections, int roomSize,
                          int connectConcurrency, int warmupConnections, long joined, long failed, String firstFailure,
                          long joinMillis, double joinsPerSecond, LoadResult.Latency joinLatency, double idleSeconds,
                          long disconnects, String firstDisconnect, long errors, String firstError,
                          long rssKbBefore, long rssKbAfter, double rssBytesPerConnection,
                          long heapBytesBefore, long heapBytesAfter, double heapBytesPerConnection,
                          LoadResult.Usage serverDuringJoins, LoadResult.Usage generatorDuringJoins) {
    public static final String MODE = "storm";
}
