package io.bifrost.signaling.transport;

import io.bifrost.signaling.session.Connection;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;

/** A session's websocket. Jetty queues frames in call order, so sends need no coordination here. */
final class JettyConnection implements Connection {
    private final Session session;
    // Frames go through the core session because its send takes a batch flag, which the API's
    // sendText lacks: a batched frame is copied into the connection's output buffer and leaves
    // with the next unbatched one, in a single write.
    private final CoreSession frames;
    // Sessions pass the same two callbacks with every frame: wrapped once, not once per frame.
    private Runnable lastWritten;                // the sending thread's, under the session's outbox lock
    private Consumer<Throwable> lastFailed;
    private Callback lastCallback;

    JettyConnection(Session session) {
        this.session = session;
        this.frames = ((WebSocketSession) session).getCoreSession();
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
        session.demand();
    }

    @Override
    public void close(int statusCode, String reason) {
        session.close(statusCode, reason, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    @Override
    public void abort() {
        session.disconnect();
    }
}
