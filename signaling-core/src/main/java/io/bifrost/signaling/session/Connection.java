package io.bifrost.signaling.session;

import java.util.function.Consumer;

/** The transport under a session: one websocket. Implementations must not block. */
public interface Connection {

    /**
     * Queues a text frame, given as its UTF-8 bytes, which the connection only reads: one array
     * may be sent on many connections. Exactly one of the callbacks runs when it was written or
     * failed. With {@code more}, another frame follows at once and this one may wait for it, so
     * that both leave in one write; the last frame of a run never has it.
     */
    void send(byte[] utf8, boolean more, Runnable written, Consumer<Throwable> failed);

    /** Asks for the next inbound frame; without it, nothing more is read. */
    void demand();

    /** Closes with a close handshake, after the frames already queued. */
    void close(int statusCode, String reason);

    /** Drops the connection at once, without a close handshake: for clients that stopped reading. */
    void abort();
}
