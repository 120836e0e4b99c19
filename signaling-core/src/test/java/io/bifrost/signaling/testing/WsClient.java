package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A websocket test client that records every frame it receives, for assertions with timeouts. */
public final class WsClient implements WebSocket.Listener, AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration PROBE_AFTER = Duration.ofMillis(500);
    /** How long a clean close waits for the server's close back. */
    private static final long CLOSE_WAIT_SECONDS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final List<JsonNode> backlog = new ArrayList<>(); // test thread only
    private WebSocket socket;
    private JsonNode joined;
    private volatile Watcher watcher = (frame, arrivedNanos) -> { };

    public record Close(int code, String reason) {}

    /** Sees each frame as it arrives, on the receiving thread. */
    public interface Watcher {
        /** @param arrivedNanos {@link System#nanoTime()} when the frame's last part came */
        void frame(JsonNode frame, long arrivedNanos);
    }

    public static WsClient connect(URI uri) throws Exception {
        return connect(uri, Map.of());
    }

    /** @param headers sent with the upgrade request, e.g. a browser's {@code Origin} */
    public static WsClient connect(URI uri, Map<String, String> headers) throws Exception {
        WsClient client = new WsClient();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT);
        headers.forEach(builder::header);
        client.socket = builder.buildAsync(uri, client).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return client;
    }

    public JsonNode awaitJoined() throws InterruptedException {
        JsonNode first = next();
        assertThat(first.path("type").asText()).as("first frame: %s", first).isEqualTo("joined");
        joined = first;
        return first;
    }

    /** The first frame of a resumed session; {@link #id()} and {@link #sessionId()} then answer from it. */
    public JsonNode awaitResumed() throws InterruptedException {
        JsonNode first = next();
        assertThat(first.path("type").asText()).as("first frame: %s", first).isEqualTo("resumed");
        joined = first;
        return first;
    }

    public String sessionId() {
        return joined.path("sessionId").asText();
    }

    /** This client's participant id, from {@code joined}. */
    public String id() {
        return joined.path("participant").path("id").asText();
    }

    public JsonNode joined() {
        return joined;
    }

    /**
     * Shows every later frame to {@code watcher} the moment it arrives, before it is queued for
     * {@link #next()} and the others: for timing deliveries, which taking frames later would blur.
     */
    public void watch(Watcher watcher) {
        this.watcher = watcher;
    }

    public void send(Map<String, ?> message) {
        try {
            send(JSON.writeValueAsString(message));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public void send(String raw) {
        socket.sendText(raw, true).join();
    }

    /** Sends without waiting: for frames the server may refuse by closing before they are fully written. */
    public void sendAndForget(String raw) {
        socket.sendText(raw, true);
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** A websocket ping, as client libraries send to keep a connection alive. */
    public void sendPing() {
        socket.sendPing(ByteBuffer.wrap(new byte[] {'k'})).join();
    }

    /** An unsolicited websocket pong, which RFC 6455 allows as a one-way heartbeat. */
    public void sendPong() {
        socket.sendPong(ByteBuffer.allocate(0)).join();
    }

    /** The next frame, whatever it is. */
    public JsonNode next() throws InterruptedException {
        if (!backlog.isEmpty()) {
            return backlog.remove(0);
        }
        JsonNode frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            fail("no frame within %s (closed: %s)", WAIT, closed.getNow(null));
        }
        return frame;
    }

    /**
     * The first frame of this type not taken yet. Frames of other types stay, in order, for
     * later calls: tests can wait for what they check without caring how frames interleave.
     */
    public JsonNode expect(String type) throws InterruptedException {
        for (int i = 0; i < backlog.size(); i++) {
            if (backlog.get(i).path("type").asText().equals(type)) {
                return backlog.remove(i);
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (frame == null) {
                break;
            }
            if (frame.path("type").asText().equals(type)) {
                return frame;
            }
            backlog.add(frame);
        }
        return fail("no '%s' frame within %s; received instead: %s (closed: %s)", type, WAIT, backlog, closed.getNow(null));
    }

    /** Takes a broadcast room's {@code listeners} counts up to the one with this count, and returns it. */
    public JsonNode expectListeners(int count) throws InterruptedException {
        JsonNode frame;
        do {
            frame = expect("listeners");
        } while (frame.path("count").asInt() != count);
        return frame;
    }

    /** The frames not taken yet, after waiting this long for more; they stay for later calls. */
    public List<JsonNode> framesWithin(Duration duration) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            JsonNode frame = frames.poll(left, TimeUnit.NANOSECONDS);
            if (frame != null) {
                backlog.add(frame);
            }
        }
        return List.copyOf(backlog);
    }

    /** Asserts that nothing arrives for a while. */
    public void expectSilence(Duration duration) throws InterruptedException {
        assertThat(backlog).as("frames not taken yet").isEmpty();
        JsonNode frame = frames.poll(duration.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(frame).as("unexpected frame").isNull();
    }

    public Close awaitClose() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return closed.get(PROBE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillOpen) {
                if (System.nanoTime() > deadline) {
                    throw stillOpen;
                }
                probe();
            }
        }
    }

    /**
     * The JDK client can leave a connection the server cut without a close frame in CLOSE_WAIT
     * and never tell its listener; a write then fails, as a live client's keepalive would.
     */
    private void probe() {
        WebSocket current = socket;
        if (current == null) {
            return;
        }
        try {
            current.sendPing(ByteBuffer.allocate(0)).whenComplete((ws, failure) -> {
                if (failure != null) {
                    closed.complete(new Close(-1, String.valueOf(failure)));
                }
            });
        } catch (RuntimeException failure) {
            closed.complete(new Close(-1, String.valueOf(failure)));
        }
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Frames received and not yet taken. */
    public List<JsonNode> drain() {
        List<JsonNode> all = new ArrayList<>(backlog);
        backlog.clear();
        frames.drainTo(all);
        return all;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            long arrived = System.nanoTime();
            JsonNode frame;
            try {
                frame = JSON.readTree(partial.toString());
            } catch (JsonProcessingException e) {
                frame = JSON.createObjectNode().put("type", "<not JSON>").put("raw", partial.toString());
            }
            partial.setLength(0);
            watcher.frame(frame, arrived);
            frames.add(frame);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Close(-1, String.valueOf(error)));
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.abort();
        }
    }

    /**
     * Closes cleanly, as a browser tab that goes away would: the close frame, then the server's
     * close back before the connection goes. Dropping it at once instead races the server's
     * writes, whose failure it may see first and take for a lost connection.
     */
    public void closeNormally() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
        try {
            closed.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // no close back: close() drops the connection
        }
    }
}
