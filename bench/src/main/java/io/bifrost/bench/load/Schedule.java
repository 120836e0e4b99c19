package io.bifrost.bench.load;

/**
 * When the publishers send, fixed once every participant joined. Times are System.nanoTime
 * values; payloads carry their send time relative to {@code origin}.
 *
 * <p>Publishing starts at {@code publishFrom}; what is sent before {@code windowStart} warms the
 * server up (JIT, buffers, caches) and is not counted. Publishing stops at {@code windowEnd}, so
 * that the messages counted are exactly those sent inside the window.
 */
record Schedule(long origin, long publishFrom, long windowStart, long windowEnd, long intervalNanos) {

    boolean inWindow(long nanoTime) {
        return nanoTime >= windowStart && nanoTime < windowEnd;
    }
}
