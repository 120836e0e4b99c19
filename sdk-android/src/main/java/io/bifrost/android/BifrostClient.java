package io.bifrost.android;

import io.bifrost.android.media.WebRtc;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import okhttp3.OkHttpClient;

/**
 * Connects to Bifrost rooms. One client serves every room of an app; it is immutable and
 * thread-safe, and {@link #close()} releases its threads.
 *
 * <pre>{@code
 * BifrostClient client = new BifrostClient.Builder()
 *         .callbackExecutor(ContextCompat.getMainExecutor(context)) // Android: events on the main thread
 *         .build();
 * client.connect("https://rtc.example.org", token, new RoomListener() {
 *     public void onChat(Room room, ChatMessage message) { show(message); }
 * }).thenAccept(room -> room.sendChat("hello"));
 * }</pre>
 */
public final class BifrostClient implements AutoCloseable {
    private final OkHttpClient http;
    private final Executor callbacks;
    private final ExecutorService ownCallbacks; // null when the app gave its executor
    private final ScheduledExecutorService timers;
    private final ReconnectPolicy reconnect;
    private final WebRtc webRtc; // null: signaling only

    private BifrostClient(Builder builder) {
        this.reconnect = builder.reconnect;
        this.webRtc = builder.webRtc;
        this.http = builder.http != null ? builder.http : new OkHttpClient();
        this.ownCallbacks = builder.callbacks == null ? Executors.newSingleThreadExecutor(daemon("bifrost-callbacks")) : null;
        this.callbacks = builder.callbacks != null ? builder.callbacks : ownCallbacks;
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("bifrost-timers"));
    }

    /**
     * Joins the room the token admits to.
     *
     * @param url the server, {@code https://rtc.example.org} (or {@code http://}, {@code ws://}, {@code wss://})
     * @param token a join token from the app's backend
     * @param listener hears the room's events once it is joined
     * @return completes with the room once joined, or fails with a {@link BifrostException}: the
     *     server's refusal ({@code unauthorized} with {@code expired}, {@code room-full}…) or
     *     {@code connection-failed}
     */
    public CompletableFuture<Room> connect(String url, String token, RoomListener listener) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(listener, "listener");
        return new Room(http, callbacks, timers, reconnect, webRtc, url, token, listener).open();
    }

    /** Stops the client's own threads; rooms still open are not left (leave them first). */
    @Override
    public void close() {
        timers.shutdownNow();
        if (ownCallbacks != null) {
            ownCallbacks.shutdown();
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Configures a {@link BifrostClient}; everything is optional. */
    public static final class Builder {
        private OkHttpClient http;
        private Executor callbacks;
        private ReconnectPolicy reconnect = ReconnectPolicy.DEFAULT;
        private WebRtc webRtc;

        /**
         * How rooms reconnect when their connection drops, resuming their session when the
         * server still holds it; default {@link ReconnectPolicy#DEFAULT}.
         */
        public Builder reconnect(ReconnectPolicy policy) {
            this.reconnect = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The OkHttp client to connect with, sharing its connection pool and settings; default a new one. */
        public Builder okHttpClient(OkHttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /**
         * Where {@link RoomListener} events and futures complete; default one background thread
         * of the client's own. Events are delivered one at a time, in order, whatever the executor.
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbacks = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The WebRTC stack that carries the rooms' audio: an adapter of {@code org.webrtc} on
         * Android (see {@code samples/android/}). Without one the client does signaling only:
         * participants, chat, hands and host controls, but no audio.
         */
        public Builder webRtc(WebRtc webRtc) {
            this.webRtc = Objects.requireNonNull(webRtc, "webRtc");
            return this;
        }

        public BifrostClient build() {
            return new BifrostClient(this);
        }
    }
}
