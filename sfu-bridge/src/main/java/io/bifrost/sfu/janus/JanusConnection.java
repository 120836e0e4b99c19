package io.bifrost.sfu.janus;

import static io.bifrost.sfu.janus.JanusProtocol.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.sfu.SfuException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Janus node: a WebSocket, a Janus session on it, one handle for room administration, and
 * the node's liveness. Requests are matched to replies by transaction id and time out.
 *
 * <p>Everything here runs on the bridge's single thread: the WebSocket's callbacks hand their
 * messages over to it, and every future completes on it, so nothing needs a lock.
 *
 * <p>The node is down when its WebSocket closes or fails, or when a ping or keepalive goes
 * unanswered. The last matters most: the JDK's WebSocket can leave a connection the peer closed
 * unreported (sitting in CLOSE_WAIT), so the probes are what reliably notice a dead Janus. A down
 * node is reconnected with backoff, always with a new session: handles of the old one are lost.
 */
final class JanusConnection {
    private static final Logger LOG = LoggerFactory.getLogger(JanusConnection.class);
    /** Janus's WebSocket transport only accepts this subprotocol. */
    private static final String SUBPROTOCOL = "janus-protocol";
    /** The admin handle's requests are few and small; one handle per session serves them all. */
    private static final String ADMIN_OPAQUE = "bifrost-admin";

    /** What the bridge hears from a node; called on the bridge's thread. */
    interface Listener {
        /** A new session is ready (the first one, or one after the node was down). */
        void onUp(JanusConnection node);

        /** The node is gone: every handle of its session is lost. */
        void onDown(JanusConnection node, String reason);

        /** Something Janus said about one handle on its own (not a reply). */
        void onHandleEvent(JanusConnection node, long handle, JsonNode message);
    }

    /** An asynchronous request's outcome: the plugin's data and the JSEP, if any. */
    record Reply(JsonNode data, JsonNode message) {}

    private final URI uri;
    private final JanusConfig config;
    private final ScheduledExecutorService executor;
    private final HttpClient http;
    private final Listener listener;
    private final Map<String, Pending> pending = new HashMap<>();

    private WebSocket socket;
    private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
    private long sessionId;
    private long adminHandle;
    /** Bumped on every connect and disconnect, so that callbacks of an old socket are ignored. */
    private int epoch;
    private boolean up;
    private boolean stopped;
    /** Why the node is down, for the messages of calls that find no node; null while up. */
    private String lastFailure = "not connected yet";
    /** Whether Janus refused our api secret the last time: a configuration error, not an outage. */
    private boolean refusedSecret;
    /** Whether the first connection attempt has ended, either way; read by {@code onStart}'s thread. */
    private volatile boolean tried;
    private Duration backoff;
    private final ArrayList<ScheduledFuture<?>> timers = new ArrayList<>();

    JanusConnection(URI uri, JanusConfig config, ScheduledExecutorService executor, HttpClient http, Listener listener) {
        this.uri = uri;
        this.config = config;
        this.executor = executor;
        this.http = http;
        this.listener = listener;
        this.backoff = config.reconnectBackoffInitial();
    }

    URI uri() {
        return uri;
    }

    boolean isUp() {
        return up;
    }

    boolean tried() {
        return tried;
    }

    String lastFailure() {
        return lastFailure;
    }

    boolean refusedSecret() {
        return refusedSecret;
    }

    /** Connects; failures are retried with backoff until {@link #stop()}. */
    void start() {
        connect();
    }

    /** Destroys the session (best effort) and closes the socket; no reconnection. */
    CompletableFuture<Void> stop() {
        if (stopped) {
            return CompletableFuture.completedFuture(null);
        }
        stopped = true;
        CompletableFuture<Void> done = up
                ? request(session("destroy"), false, config.requestTimeout()).handle((r, e) -> null)
                : CompletableFuture.completedFuture(null);
        return done.thenRun(() -> disconnect("bridge stopped", false));
    }

    // --- requests ---------------------------------------------------------------------------

    /** Attaches a new handle to the VideoRoom plugin. */
    CompletableFuture<Long> attach(String opaqueId) {
        ObjectNode body = session("attach").put("plugin", JanusProtocol.VIDEOROOM);
        if (opaqueId != null) {
            body.put("opaque_id", opaqueId);
        }
        return request(body, false, config.requestTimeout()).thenApply(r -> r.path("data").path("id").asLong());
    }

    CompletableFuture<Void> detach(long handle) {
        return request(handle(handle, "detach"), false, config.requestTimeout()).thenApply(r -> null);
    }

    /** A synchronous VideoRoom request on the admin handle; returns {@code plugindata.data}. */
    CompletableFuture<JsonNode> admin(ObjectNode body) {
        return message(adminHandle, body, null, false).thenApply(Reply::data);
    }

    /** A VideoRoom request on a handle; asynchronous ones answer with an event after an ack. */
    CompletableFuture<Reply> message(long handle, ObjectNode body, JsonNode jsep, boolean async) {
        ObjectNode message = handle(handle, "message");
        message.set("body", body);
        if (jsep != null) {
            message.set("jsep", jsep);
        }
        return request(message, async, config.requestTimeout())
                .thenApply(r -> new Reply(JanusProtocol.pluginData(r), r));
    }

    CompletableFuture<Void> trickle(long handle, JsonNode candidate) {
        ObjectNode message = handle(handle, "trickle");
        message.set("candidate", candidate);
        return request(message, false, config.requestTimeout()).thenApply(r -> null);
    }

    private ObjectNode session(String janus) {
        return JSON.createObjectNode().put("janus", janus).put("session_id", sessionId);
    }

    private ObjectNode handle(long handle, String janus) {
        return session(janus).put("handle_id", handle);
    }

    /**
     * Sends one request and completes with the reply that carries its transaction: the first one,
     * or for an asynchronous request the first that is not an {@code ack}. Errors fail it.
     */
    private CompletableFuture<JsonNode> request(ObjectNode message, boolean async, Duration timeout) {
        if (!up && !"create".equals(message.path("janus").asText()) && !"info".equals(message.path("janus").asText())
                && !"ping".equals(message.path("janus").asText())) {
            return CompletableFuture.failedFuture(new SfuException(SfuException.Reason.UNAVAILABLE,
                    "Janus " + uri + " is down"));
        }
        String transaction = UUID.randomUUID().toString();
        message.put("transaction", transaction);
        if (config.apiSecret() != null) {
            message.put("apisecret", config.apiSecret());
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        String janus = message.path("janus").asText();
        ScheduledFuture<?> timer = executor.schedule(() -> {
            if (pending.remove(transaction) != null) {
                reply.completeExceptionally(new SfuException(SfuException.Reason.TIMEOUT,
                        "Janus " + uri + " did not answer " + describe(message) + " within " + timeout));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.put(transaction, new Pending(reply, async, timer));
        send(message.toString()).exceptionally(e -> {
            executor.execute(() -> {
                Pending p = pending.remove(transaction);
                if (p != null) {
                    p.timer.cancel(false);
                    p.reply.completeExceptionally(new SfuException(SfuException.Reason.UNAVAILABLE,
                            "cannot send " + janus + " to Janus " + uri + ": " + e, e));
                }
            });
            return null;
        });
        return reply;
    }

    private static String describe(JsonNode message) {
        String request = message.path("body").path("request").asText("");
        return request.isEmpty() ? message.path("janus").asText() : message.path("janus").asText() + " " + request;
    }

    private CompletableFuture<?> send(String text) {
        WebSocket ws = socket;
        if (ws == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
        }
        // The JDK's WebSocket refuses a send while the previous one is still in flight: chain them.
        sendChain = sendChain.handle((r, e) -> null).thenCompose(v -> ws.sendText(text, true));
        return sendChain;
    }

    // --- connection lifecycle --------------------------------------------------------------

    private void connect() {
        if (stopped) {
            return;
        }
        int myEpoch = ++epoch;
        LOG.debug("{}: connecting", uri);
        http.newWebSocketBuilder()
                .subprotocols(SUBPROTOCOL)
                .connectTimeout(config.requestTimeout())
                .buildAsync(uri, new SocketListener(myEpoch))
                .whenCompleteAsync((ws, failure) -> {
                    if (myEpoch != epoch || stopped) {
                        if (ws != null) {
                            ws.abort();
                        }
                        return;
                    }
                    if (failure != null) {
                        lastFailure = "cannot connect: " + JanusProtocol.unwrap(failure);
                        retryLater(lastFailure);
                        return;
                    }
                    socket = ws;
                    sendChain = CompletableFuture.completedFuture(null);
                    createSession(myEpoch);
                }, executor);
    }

    private void createSession(int myEpoch) {
        request(JSON.createObjectNode().put("janus", "create"), false, config.requestTimeout())
                .thenCompose(created -> {
                    sessionId = created.path("data").path("id").asLong();
                    up = true; // attach needs it; nobody hears of it before onUp
                    return attach(ADMIN_OPAQUE);
                })
                .whenComplete((handle, failure) -> {
                    if (myEpoch != epoch) {
                        return;
                    }
                    if (failure != null) {
                        up = false;
                        Throwable cause = JanusProtocol.unwrap(failure);
                        refusedSecret = cause instanceof JanusException janus && janus.code() == JanusException.UNAUTHORIZED;
                        if (refusedSecret) {
                            LOG.error("{}: Janus refused the api secret: {}", uri, cause.getMessage());
                        }
                        disconnect("cannot create a session: " + (cause instanceof JanusException janus
                                ? "Janus error " + janus.code() + " (" + janus.getMessage() + ")" : cause.toString()), true);
                        return;
                    }
                    adminHandle = handle;
                    lastFailure = null;
                    refusedSecret = false;
                    tried = true;
                    backoff = config.reconnectBackoffInitial();
                    startTimers(myEpoch);
                    LOG.info("{}: connected, session {}", uri, sessionId);
                    listener.onUp(this);
                });
    }

    private void startTimers(int myEpoch) {
        timers.add(executor.scheduleWithFixedDelay(() -> probe(myEpoch, JSON.createObjectNode().put("janus", "ping"), "ping"),
                config.pingInterval().toMillis(), config.pingInterval().toMillis(), TimeUnit.MILLISECONDS));
        timers.add(executor.scheduleWithFixedDelay(() -> probe(myEpoch, session("keepalive"), "keepalive"),
                config.keepaliveInterval().toMillis(), config.keepaliveInterval().toMillis(), TimeUnit.MILLISECONDS));
    }

    private void probe(int myEpoch, ObjectNode message, String what) {
        if (myEpoch != epoch || !up) {
            return;
        }
        request(message, false, config.pingTimeout()).whenComplete((r, failure) -> {
            if (failure != null && myEpoch == epoch && up) {
                disconnect(what + " failed: " + JanusProtocol.unwrap(failure).getMessage(), true);
            }
        });
    }

    /** Drops the socket and everything waiting on it; tells the bridge if the node was up. */
    private void disconnect(String reason, boolean reconnect) {
        epoch++;
        lastFailure = reason;
        boolean wasUp = up;
        up = false;
        timers.forEach(t -> t.cancel(false));
        timers.clear();
        WebSocket ws = socket;
        socket = null;
        if (ws != null) {
            ws.abort(); // no close handshake: the peer may be gone, and abort never blocks
        }
        SfuException gone = new SfuException(SfuException.Reason.UNAVAILABLE, "Janus " + uri + " is down: " + reason);
        new ArrayList<>(pending.values()).forEach(p -> {
            p.timer.cancel(false);
            p.reply.completeExceptionally(gone);
        });
        pending.clear();
        if (wasUp) {
            if (stopped) {
                LOG.debug("{}: disconnected ({})", uri, reason);
            } else {
                LOG.warn("{}: down ({})", uri, reason);
            }
            listener.onDown(this, reason);
        }
        if (reconnect) {
            retryLater(reason);
        }
    }

    private void retryLater(String reason) {
        tried = true;
        if (stopped) {
            return;
        }
        Duration wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(config.reconnectBackoffMax()) > 0
                ? config.reconnectBackoffMax() : backoff.multipliedBy(2);
        LOG.debug("{}: reconnecting in {} ({})", uri, wait, reason);
        int myEpoch = ++epoch;
        executor.schedule(() -> {
            if (myEpoch == epoch) {
                connect();
            }
        }, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    // --- incoming ---------------------------------------------------------------------------

    private void onMessage(JsonNode message) {
        String transaction = message.path("transaction").asText(null);
        String janus = message.path("janus").asText();
        Pending waiting = transaction == null ? null : pending.get(transaction);
        if (waiting != null) {
            if ("ack".equals(janus) && waiting.async) {
                return; // the event with the result follows
            }
            pending.remove(transaction);
            waiting.timer.cancel(false);
            JanusProtocol.error(message).ifPresentOrElse(waiting.reply::completeExceptionally,
                    () -> waiting.reply.complete(message));
            return;
        }
        if (message.has("sender") && !"ack".equals(janus) && (transaction == null || !"event".equals(janus))) {
            listener.onHandleEvent(this, message.path("sender").asLong(), message);
        } else if ("timeout".equals(janus)) {
            disconnect("Janus expired the session", true);
        } else {
            LOG.debug("{}: ignored {}", uri, message);
        }
    }

    private record Pending(CompletableFuture<JsonNode> reply, boolean async, ScheduledFuture<?> timer) {}

    /** The JDK WebSocket's callbacks, handed to the bridge's thread with the epoch they belong to. */
    private final class SocketListener implements WebSocket.Listener {
        private final int myEpoch;
        private final StringBuilder text = new StringBuilder();

        SocketListener(int myEpoch) {
            this.myEpoch = myEpoch;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data); // this callback is never called concurrently for one socket
            if (last) {
                String whole = text.toString();
                text.setLength(0);
                executor.execute(() -> {
                    if (myEpoch != epoch) {
                        return;
                    }
                    try {
                        onMessage(JSON.readTree(whole));
                    } catch (Exception e) {
                        LOG.warn("{}: unreadable message from Janus ({}): {}", uri, e.getMessage(), whole);
                    }
                });
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            executor.execute(() -> {
                if (myEpoch == epoch) {
                    disconnect("websocket closed (" + statusCode + " " + reason + ")", true);
                }
            });
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            executor.execute(() -> {
                if (myEpoch == epoch) {
                    disconnect("websocket failed: " + error, true);
                }
            });
        }
    }
}
