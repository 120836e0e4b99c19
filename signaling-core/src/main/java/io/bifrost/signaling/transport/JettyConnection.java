package io.bifrost.signaling.transport;

import io.bifrost.signaling.session.Connection;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/**
 * A session's websocket. Jetty queues frames in call order, so sends need no coordination here.
 * A frame sent with {@code more} is batched: copied into the connection's output buffer, it
 * leaves with the next unbatched one, in a single write.
 */
final class JettyConnection implements Connection {
    private final CoreSession frames;
    // Sessions pass the same two callbacks with every frame: wrapped once, not once per frame.
    private Runnable lastWritten;                // the sending thread's, under the session's outbox lock
    private Consumer<Throwable> lastFailed;
    private Callback lastCallback;

    JettyConnection(CoreSession frames) {
        this.frames = frames;
    }

    @Override
    public void send(byte[] utf8, boolean more, Runnable written, Consumer<Throwable> failed) {
        frames.sendFrame(new Frame(OpCode.TEXT, true, ByteBuffer.wrap(utf8)), callback(written, failed), more);
    }

    private Callback callback(Runnable written, Consumer<Throwable> failed) {
        if (written != lastWritten || failed != lastFailed) {
            lastCallback = Callback.from(written, failed);
            lastWritten = written;
            lastFailed = failed;
        }
        return lastCallback;
    }

    @Override
    public void demand() {
        frames.demand();
    }

    @Override
    public void close(int statusCode, String reason) {
        frames.close(statusCode, reason, Callback.NOOP);
    }

    @Override
    public void abort() {
        frames.abort();
    }
}
