package io.bifrost.signaling.transport;

import io.bifrost.signaling.session.Connection;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/** A session's websocket. Jetty queues frames in call order, so sends need no coordination here. */
final class JettyConnection implements Connection {
    private final Session session;

    JettyConnection(Session session) {
        this.session = session;
    }

    @Override
    public void send(String frame, Runnable written, Consumer<Throwable> failed) {
        session.sendText(frame, Callback.from(written, failed));
    }

    @Override
    public void demand() {
        session.demand();
    }

    @Override
    public void close(int statusCode, String reason) {
        session.close(statusCode, reason, Callback.NOOP);
    }

    @Override
    public void abort() {
        session.disconnect();
    }
}
