package io.bifrost.signaling.session;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A session's outgoing frames. It bounds how many are queued on the connection, so that a
 * client that stops reading is cut off instead of buffered without end, and it lets a burst of
 * room events leave in one write: a room event's frame is held until the next frame or the
 * feed's flush, and goes out marked as followed by more when the next one comes first. A write
 * costs a system call whatever it carries, and that call is most of what a delivery costs.
 *
 * <p>The lock keeps a held frame ahead of anything sent after it. It is never held while the
 * session reacts to the connection's end: Jetty may report a failed write inside the send, or
 * a close inside the close, and the reaction (leaving the room) takes other locks.
 */
final class Outbox {
    private final Connection connection;
    private final int limit;
    private final Runnable broken;
    private final AtomicInteger queued = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable written = this::written;         // the same two with every frame,
    private final Consumer<Throwable> failed = this::failed; // not two new ones per frame
    private byte[] held;                // guarded by lock
    private boolean brokenUnderLock;    // guarded by lock

    /**
     * @param limit  frames queued on the connection at most
     * @param broken runs, outside the lock, when a write failed: the connection is gone
     */
    Outbox(Connection connection, int limit, Runnable broken) {
        this.connection = connection;
        this.limit = limit;
        this.broken = broken;
    }

    /** Sends a frame now, after the held one. @return false when the queue is full and nothing was sent */
    boolean send(String frame) {
        lock.lock();
        try {
            if (!reserve()) {
                return false;
            }
            release(true);
            write(frame.getBytes(StandardCharsets.UTF_8), false);
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Holds a frame, given as UTF-8 bytes that nobody changes, until the next frame or
     * {@link #flush()}. @return false when the queue is full and nothing was held
     */
    boolean hold(byte[] frame) {
        lock.lock();
        try {
            if (!reserve()) {
                return false;
            }
            release(true);
            held = frame;
            return true;
        } finally {
            unlock();
        }
    }

    /** Writes the held frame, if any: the end of a burst. */
    void flush() {
        lock.lock();
        try {
            release(false);
        } finally {
            unlock();
        }
    }

    /** Closes with a close handshake, after every frame queued or held. */
    void close(int statusCode, String reason) {
        flush();
        connection.close(statusCode, reason); // outside the lock: Jetty may report the close inside this call
    }

    /** Drops the connection at once; a held frame goes nowhere. */
    void abort() {
        lock.lock();
        try {
            if (held != null) {
                held = null;
                queued.decrementAndGet();
            }
        } finally {
            unlock();
        }
        connection.abort();
    }

    private boolean reserve() {
        if (queued.incrementAndGet() > limit) {
            queued.decrementAndGet();
            return false;
        }
        return true;
    }

    private void release(boolean more) {
        if (held != null) {
            byte[] frame = held;
            held = null;
            write(frame, more);
        }
    }

    private void write(byte[] frame, boolean more) {
        connection.send(frame, more, written, failed);
    }

    private void written() {
        queued.decrementAndGet();
    }

    private void failed(Throwable failure) {
        queued.decrementAndGet();
        if (lock.isHeldByCurrentThread()) {
            brokenUnderLock = true; // reported inside our own send: react once the lock is let go
        } else {
            broken.run();
        }
    }

    private void unlock() {
        boolean failed = brokenUnderLock;
        brokenUnderLock = false;
        lock.unlock();
        if (failed) {
            broken.run();
        }
    }
}
