package io.bifrost.android;

import io.bifrost.android.media.AudioStats;
import io.bifrost.android.media.IceServer;
import io.bifrost.android.media.WebRtc;
import io.bifrost.android.protocol.Frames;
import io.bifrost.android.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * A joined room: its participants, chat and hand, and how it ends. Made by
 * {@link BifrostClient#connect}. Thread-safe; the state it reports is the state after the last
 * event delivered to the listener.
 */
public final class Room {
    private static final int NORMAL_CLOSURE = 1000;
    /** Refusals that trying again with the same token cannot overcome. */
    private static final List<String> FINAL_REFUSALS = List.of("unauthorized", "forbidden", "room-full", "duplicate-identity");
    /** The server closes a connection whose session was resumed on another one: this one is stale. */
    private static final String RESUMED_ELSEWHERE = "resumed-elsewhere";

    private final OkHttpClient http;
    private final ScheduledExecutorService timers;
    private final ReconnectPolicy reconnect;
    private final String url;
    private final RoomListener listener;
    private final Executor events;
    private final CompletableFuture<Room> joined = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final Map<String, CompletableFuture<JSONObject>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicBoolean over = new AtomicBoolean();

    // Written on OkHttp's reader thread of the current connection, read anywhere.
    private volatile Wire wire;          // the current connection, or the attempt in progress
    private volatile WebSocket socket;   // the current connection's socket, null while reconnecting
    private volatile int attempt;        // reconnect attempts since the last success
    private volatile String name;
    private volatile String mode;
    private volatile String sessionId;
    private volatile Participant local;
    private volatile Map<String, Participant> remotes = Collections.emptyMap();
    private volatile int listeners;      // a broadcast room's listener count, from the server
    private volatile boolean listed = true; // false once the broadcast room is a large audience, for this session
    private volatile long lastSeq;
    private volatile String serverReason; // from a `disconnect` frame, for the close that follows
    private volatile boolean serverSaysReconnect;
    private volatile ScheduledFuture<?> keepalive;
    private volatile boolean leaving;
    private volatile String token;       // the newest join token; every connect presents it

    private final WebRtc webRtc;          // null: signaling only
    private final AudioSignals audioSignals = new Signals();
    private volatile MeshAudio meshAudio; // a mesh room's calls, once joined with a WebRtc
    private volatile SfuAudio sfuAudio;   // a broadcast room's SFU connections, likewise
    private volatile boolean microphoneWanted; // publishMicrophone() was asked for, and no unpublish() since

    Room(OkHttpClient http, Executor callbacks, ScheduledExecutorService timers, ReconnectPolicy reconnect, WebRtc webRtc,
         String url, String token, RoomListener listener) {
        this.http = http;
        this.webRtc = webRtc;
        this.timers = timers;
        this.reconnect = reconnect;
        this.url = url;
        this.token = token;
        this.listener = listener;
        this.events = new SerialExecutor(callbacks);
    }

    CompletableFuture<Room> open() {
        if (HttpUrl.parse(url.replaceFirst("^ws", "http")) == null) {
            joined.completeExceptionally(new BifrostException("bad-request", "", "not an http(s) or ws(s) URL: " + url));
            return joined;
        }
        dial(false);
        return joined;
    }

    /** Opens a connection: a first join, or a reconnect that asks to resume the session. */
    private void dial(boolean resume) {
        HttpUrl.Builder rtc = HttpUrl.parse(url.replaceFirst("^ws", "http")).newBuilder()
                .addPathSegment("rtc").addQueryParameter("access_token", token);
        if (resume && sessionId != null) {
            rtc.addQueryParameter("session", sessionId).addQueryParameter("lastSeq", Long.toString(lastSeq));
        }
        Wire next = new Wire();
        wire = next;
        http.newWebSocket(new Request.Builder().url(rtc.build()).build(), next);
    }

    /**
     * The newest join token: the one the room was joined with until the server sends a fresh
     * one before it expires ({@link RoomListener#onTokenRefreshed}). Every reconnect presents
     * this one.
     */
    public String token() {
        return token;
    }

    /** The room's name, from the token. */
    public String name() {
        return name;
    }

    /** {@code mesh} or {@code broadcast}. */
    public String mode() {
        return mode;
    }

    /** The server's id of this session ({@code s_…}). */
    public String sessionId() {
        return sessionId;
    }

    /** You, as the room last described you. */
    public Participant localParticipant() {
        return local;
    }

    /** The others, in join order. */
    public List<Participant> participants() {
        return new ArrayList<>(remotes.values());
    }

    /** A broadcast room's number of listeners, as the server last counted them; 0 in a mesh room. */
    public int listeners() {
        return listeners;
    }

    /**
     * Whether {@link #participants()} holds every listener: true until the broadcast room is a
     * large audience, then false for the rest of the session, and the list holds the hosts, the
     * speakers and the listeners whose hand is up (the others leave it with the reason {@code unlisted}).
     */
    public boolean listenersListed() {
        return listed;
    }

    /** The room's sequence number of the last event applied. */
    public long lastSeq() {
        return lastSeq;
    }

    /** Posts a chat line to everyone; completes with its {@code seq}, or fails with the refusal ({@code forbidden}…). */
    public CompletableFuture<Long> sendChat(String text) {
        return request(Frames.chat(nextId(), text)).thenApply(ack -> ack.getLong("seq"));
    }

    /** Asks to speak; completes once the room applied it. */
    public CompletableFuture<Void> raiseHand() {
        return request(Frames.request("raise-hand", nextId())).thenApply(ack -> null);
    }

    public CompletableFuture<Void> lowerHand() {
        return request(Frames.request("lower-hand", nextId())).thenApply(ack -> null);
    }

    /** Room admins (hosts): a listener becomes a speaker. */
    public CompletableFuture<Void> promote(String participantId) {
        return request(Frames.aboutParticipant("promote", nextId(), participantId)).thenApply(ack -> null);
    }

    /** Room admins (hosts): a speaker becomes a listener. */
    public CompletableFuture<Void> demote(String participantId) {
        return request(Frames.aboutParticipant("demote", nextId(), participantId)).thenApply(ack -> null);
    }

    /** Room admins (hosts): stops (or lets again) a participant's audio reach the others. */
    public CompletableFuture<Void> mute(String participantId, boolean muted) {
        return request(Frames.mute(nextId(), participantId, muted)).thenApply(ack -> null);
    }

    // ------------------------------------------------------------------ audio

    /**
     * Sends your microphone to the room: in a mesh room to every call (they carry it from the
     * start, silent until now), in a broadcast room to the SFU, which the room then reports as
     * {@code publishing}. Needs a {@link WebRtc} ({@link BifrostClient.Builder#webRtc}) and a role
     * that may publish; a reconnect publishes again by itself.
     *
     * @return completes once published, or fails with {@code forbidden}, {@code sfu-unavailable}…
     */
    public CompletableFuture<Void> publishMicrophone() {
        if (webRtc == null) {
            return CompletableFuture.failedFuture(new BifrostException("bad-request", "",
                    "no WebRtc was given to the client (BifrostClient.Builder.webRtc): it carries no audio"));
        }
        if (!mayPublish(local)) {
            return CompletableFuture.failedFuture(new BifrostException("forbidden", "",
                    "a " + local.role() + " may not publish in room " + name));
        }
        microphoneWanted = true;
        followMicrophone();
        SfuAudio sfu = sfuAudio;
        return sfu == null ? CompletableFuture.completedFuture(null) : delivered(sfu.publish());
    }

    /** Stops sending your microphone; in a broadcast room the room then reports you as not {@code publishing}. */
    public CompletableFuture<Void> unpublish() {
        microphoneWanted = false;
        followMicrophone();
        SfuAudio sfu = sfuAudio;
        return sfu == null ? CompletableFuture.completedFuture(null) : delivered(sfu.unpublish());
    }

    /** What the room's audio did so far, over every connection: sent and received packets, and the energy heard. */
    public CompletableFuture<AudioStats> audioStats() {
        MeshAudio mesh = meshAudio;
        SfuAudio sfu = sfuAudio;
        CompletableFuture<AudioStats> stats = mesh != null ? mesh.stats()
                : sfu != null ? sfu.stats() : CompletableFuture.completedFuture(AudioStats.NONE);
        return delivered(stats);
    }

    /**
     * Mesh rooms: a promotion puts the microphone on every call, silent until published.
     * Broadcast rooms: a demotion ended the publishing on the server already, so the publisher
     * connection goes; a promotion publishes the microphone if the app asked for it before.
     */
    private void followRole() {
        MeshAudio mesh = meshAudio;
        if (mesh != null && mayPublish(local)) {
            mesh.startSending();
        }
        SfuAudio sfu = sfuAudio;
        if (sfu == null) {
            return;
        }
        if (!mayPublish(local)) {
            sfu.dropPublisher();
        } else if (microphoneWanted && !sfu.publishing()) {
            sfu.publish().exceptionally(e -> failed("publishing after a promotion", e));
        }
    }

    /**
     * The microphone is heard when the app published it, the role lets it speak and no host muted
     * it: in a mesh room nothing but this side can keep a demoted or muted participant quiet.
     */
    private void followMicrophone() {
        if (webRtc != null) {
            Participant self = local;
            webRtc.setMicrophoneEnabled(microphoneWanted && mayPublish(self) && !self.muted());
        }
    }

    /** Hosts and speakers may publish; listeners may not until promoted. */
    private static boolean mayPublish(Participant p) {
        return p != null && !"listener".equals(p.role());
    }

    /** Joined (first, or rejoined as a new participant): new calls, or new SFU connections. */
    private void startAudio(JSONObject frame) {
        if (webRtc == null) {
            return;
        }
        stopAudio();
        followMicrophone();
        List<IceServer> ice = iceServers(frame);
        if ("broadcast".equals(mode)) {
            SfuAudio sfu = new SfuAudio(webRtc, audioSignals, ice);
            sfuAudio = sfu;
            if (microphoneWanted && mayPublish(local)) {
                sfu.publish().exceptionally(e -> failed("publishing again after rejoining", e));
            }
            return;
        }
        MeshAudio mesh = new MeshAudio(webRtc, audioSignals, local.id(), mayPublish(local), ice);
        meshAudio = mesh;
        remotes.keySet().forEach(mesh::add);
    }

    /**
     * Resumed: calls go on (they are peer to peer), but the server dropped the session's SFU
     * connections, so a broadcast publishes again and waits for the SFU's fresh offer.
     */
    private void resumeAudio(JSONObject frame) {
        SfuAudio sfu = sfuAudio;
        if (sfu != null) {
            sfu.restart(iceServers(frame), true);
        }
    }

    private void stopAudio() {
        MeshAudio mesh = meshAudio;
        SfuAudio sfu = sfuAudio;
        meshAudio = null;
        sfuAudio = null;
        if (mesh != null) {
            mesh.close();
        }
        if (sfu != null) {
            sfu.close();
        }
    }

    /** An offer, answer, candidate or {@code sfu-reset} for this room's audio. */
    private void onMediaSignal(JSONObject frame) {
        if ("sfu".equals(frame.optString("from", "sfu")) || "sfu-reset".equals(frame.getString("type"))) {
            SfuAudio sfu = sfuAudio;
            if (sfu != null) {
                sfu.onSignal(frame);
            }
            return;
        }
        MeshAudio mesh = meshAudio;
        if (mesh != null) {
            mesh.onSignal(frame);
        }
    }

    private static List<IceServer> iceServers(JSONObject frame) {
        List<IceServer> servers = new ArrayList<>();
        JSONArray list = frame.optJSONArray("iceServers");
        for (int i = 0; list != null && i < list.length(); i++) {
            JSONObject server = list.getJSONObject(i);
            Object urls = server.get("urls");
            List<String> each = new ArrayList<>();
            if (urls instanceof JSONArray) {
                for (int u = 0; u < ((JSONArray) urls).length(); u++) {
                    each.add(((JSONArray) urls).getString(u));
                }
            } else {
                each.add(urls.toString());
            }
            servers.add(new IceServer(each, server.optString("username", null), server.optString("credential", null)));
        }
        return servers;
    }

    private Void failed(String doing, Throwable failure) {
        BifrostException error = BifrostException.of(doing, failure);
        events.execute(() -> listener.onError(this, error));
        return null;
    }

    /** Completes on the callback executor, like every future the room hands out. */
    private <T> CompletableFuture<T> delivered(CompletableFuture<T> work) {
        CompletableFuture<T> delivered = new CompletableFuture<>();
        work.whenComplete((value, failure) -> events.execute(() -> {
            if (failure != null) {
                delivered.completeExceptionally(failure instanceof java.util.concurrent.CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure);
            } else {
                delivered.complete(value);
            }
        }));
        return delivered;
    }

    /** The room's signaling and listener, as its audio sees them. */
    private final class Signals implements AudioSignals {
        @Override
        public String nextId() {
            return Room.this.nextId();
        }

        @Override
        public CompletableFuture<JSONObject> request(JSONObject frame) {
            return Room.this.request(frame);
        }

        @Override
        public void audioReceived(List<String> labels) {
            for (Participant from : remotes.values()) {
                for (String label : labels) {
                    if (label != null && label.contains(from.id())) { // an adapter may know no stream id
                        events.execute(() -> listener.onAudioReceived(Room.this, from));
                        return;
                    }
                }
            }
        }

        @Override
        public void failed(BifrostException error) {
            events.execute(() -> listener.onError(Room.this, error));
        }
    }

    /**
     * Leaves the room: the others see {@code left}, and {@link RoomListener#onDisconnected} comes
     * with {@code left}. Completes once the connection is closed; leaving twice is harmless.
     */
    public CompletableFuture<Void> leave() {
        if (over.get()) {
            return ended;
        }
        WebSocket current = socket;
        if (current == null) {
            end("left", null); // reconnecting: nothing to say goodbye on
            return ended;
        }
        leaving = true;
        current.send(Frames.request("leave", null).toString());
        current.close(NORMAL_CLOSURE, "left");
        timers.schedule(() -> end("left", null), 5, TimeUnit.SECONDS); // a server that never closes back
        return ended;
    }

    // ------------------------------------------------------------------ requests

    private String nextId() {
        return "a" + nextId.incrementAndGet();
    }

    /** Sends a request and completes with its {@code ack}, on the callback executor. */
    private CompletableFuture<JSONObject> request(JSONObject frame) {
        CompletableFuture<JSONObject> answer = new CompletableFuture<>();
        if (over.get()) {
            answer.completeExceptionally(new BifrostException("disconnected", "", "the room is over"));
            return answer;
        }
        String id = frame.getString("id");
        pending.put(id, answer);
        WebSocket current = socket;
        if (current == null || !current.send(frame.toString())) {
            pending.remove(id);
            answer.completeExceptionally(new BifrostException("disconnected", "reconnecting",
                    "the connection is down; the room is reconnecting"));
        }
        CompletableFuture<JSONObject> delivered = new CompletableFuture<>();
        answer.whenComplete((ack, failure) -> events.execute(() -> {
            if (failure != null) {
                delivered.completeExceptionally(failure);
            } else {
                delivered.complete(ack);
            }
        }));
        return delivered;
    }

    // ------------------------------------------------------------------ frames in (OkHttp's reader thread)

    private void onFrame(JSONObject frame) {
        String type = frame.getString("type");
        switch (type) {
            case "joined":
                onJoined(frame);
                return;
            case "resumed":
                onResumed(frame);
                return;
            case "ack":
                answer(frame.optString("id", null), frame, null);
                return;
            case "answer":
                String answered = frame.optString("id", null);
                if (answered != null && pending.containsKey(answered)) {
                    answer(answered, frame, null); // the SFU's answer to our publisher's offer
                } else {
                    onMediaSignal(frame);
                }
                return;
            case "offer":
            case "candidate":
            case "sfu-reset":
                onMediaSignal(frame);
                return;
            case "error":
                onError(frame);
                return;
            case "disconnect":
                serverReason = frame.getString("reason");
                serverSaysReconnect = frame.getBoolean("reconnect");
                return;
            case "token":
                String fresh = frame.getString("token");
                long expiresAt = frame.getLong("expiresAt");
                token = fresh;
                events.execute(() -> listener.onTokenRefreshed(this, fresh, expiresAt));
                return;
            case "participant-joined":
                if (accept(frame)) {
                    Participant joinedOne = Participant.of(frame.getJSONObject("participant"));
                    if (!joinedOne.id().equals(local.id()) && isListed(joinedOne)) {
                        put(joinedOne);
                        MeshAudio mesh = meshAudio;
                        if (mesh != null) {
                            mesh.add(joinedOne.id());
                        }
                        events.execute(() -> listener.onParticipantJoined(this, joinedOne));
                    }
                }
                return;
            case "participant-left":
                if (accept(frame)) {
                    Participant gone = remove(frame.getString("participantId"));
                    MeshAudio mesh = meshAudio;
                    if (mesh != null && gone != null) {
                        mesh.remove(gone.id());
                    }
                    String reason = frame.getString("reason");
                    if (gone != null) {
                        events.execute(() -> listener.onParticipantLeft(this, gone, reason));
                    }
                }
                return;
            case "participant-updated":
                if (accept(frame)) {
                    Participant updated = Participant.of(frame.getJSONObject("participant"));
                    String change = frame.getString("change");
                    if (updated.id().equals(local.id())) {
                        local = updated;
                        if (change.equals("role")) {
                            followRole();
                        }
                        followMicrophone();
                        events.execute(() -> listener.onParticipantUpdated(this, updated, change));
                    } else {
                        onOtherUpdated(updated, change);
                    }
                }
                return;
            case "listeners":
                onListeners(frame.getInt("count"), frame.getBoolean("listed"));
                return;
            case "chat":
                if (accept(frame)) {
                    ChatMessage chat = new ChatMessage(frame.getString("from"), frame.getString("text"), frame.getLong("seq"),
                            frame.getLong("ts"));
                    events.execute(() -> listener.onChat(this, chat));
                }
                return;
            case "message":
                String from = frame.getString("from");
                String text = frame.getString("text");
                long ts = frame.getLong("ts");
                events.execute(() -> listener.onMessage(this, from, text, ts));
                return;
            default:
                // pong: the connection is alive, which any frame shows
        }
    }

    /** Joined as a new participant: first, or after a reconnect whose session was gone (a rejoin). */
    private void onJoined(JSONObject frame) {
        boolean rejoin = joined.isDone();
        name = frame.getString("room");
        mode = frame.getString("mode");
        sessionId = frame.getString("sessionId");
        local = Participant.of(frame.getJSONObject("participant"));
        listed = true; // a new session: listed until the server's count says otherwise, which follows joined
        Map<String, Participant> before = remotes;
        Map<String, Participant> others = new LinkedHashMap<>();
        JSONArray list = frame.getJSONArray("participants");
        for (int i = 0; i < list.length(); i++) {
            Participant p = Participant.of(list.getJSONObject(i));
            others.put(p.id(), p);
        }
        remotes = Collections.unmodifiableMap(others);
        lastSeq = frame.getLong("seq");
        connected(frame);
        startAudio(frame);
        if (!rejoin) {
            events.execute(() -> joined.complete(this));
            return;
        }
        for (Participant gone : before.values()) {
            if (!others.containsKey(gone.id())) {
                events.execute(() -> listener.onParticipantLeft(this, gone, "unknown"));
            }
        }
        for (Participant now : others.values()) {
            if (!before.containsKey(now.id())) {
                events.execute(() -> listener.onParticipantJoined(this, now));
            }
        }
        events.execute(() -> listener.onReconnected(this, "rejoined"));
    }

    /** The server still held the session: the same participant; the missed events follow, after lastSeq. */
    private void onResumed(JSONObject frame) {
        local = Participant.of(frame.getJSONObject("participant"));
        connected(frame);
        resumeAudio(frame);
        events.execute(() -> listener.onReconnected(this, "resumed"));
    }

    private void connected(JSONObject frame) {
        socket = wire.socket;
        attempt = 0;
        long pingMillis = frame.optLong("pingInterval", 10_000);
        ScheduledFuture<?> previous = keepalive;
        if (previous != null) {
            previous.cancel(false);
        }
        keepalive = timers.scheduleAtFixedRate(this::ping, pingMillis, pingMillis, TimeUnit.MILLISECONDS);
    }

    private void onError(JSONObject frame) {
        BifrostException error = new BifrostException(frame.getString("code"), "", frame.getString("message"));
        String id = frame.optString("id", null);
        if (id != null && pending.containsKey(id)) {
            answer(id, null, error);
        } else if (error.code().equals("resume-failed")) {
            return; // the server joins this connection as a new participant next: a rejoin
        } else if (!joined.isDone()) {
            serverReason = error.code(); // refused after the upgrade (a full room): the close follows
            events.execute(() -> joined.completeExceptionally(error));
        } else {
            events.execute(() -> listener.onError(this, error));
        }
    }

    private void answer(String id, JSONObject ack, BifrostException error) {
        CompletableFuture<JSONObject> waiting = id == null ? null : pending.remove(id);
        if (waiting == null) {
            return;
        }
        if (error != null) {
            waiting.completeExceptionally(error);
        } else {
            waiting.complete(ack);
        }
    }

    /** Whether the event is new: room events come once each, in seq order. */
    private boolean accept(JSONObject frame) {
        long seq = frame.getLong("seq");
        if (seq <= lastSeq) {
            return false;
        }
        lastSeq = seq;
        return true;
    }

    /**
     * In a large audience a listener that raised its hand, or was promoted, joins the list, and
     * one whose hand went down, or was demoted, leaves it.
     */
    private void onOtherUpdated(Participant updated, String change) {
        boolean known = remotes.containsKey(updated.id());
        if (!isListed(updated)) {
            if (known) {
                events.execute(() -> listener.onParticipantUpdated(this, updated, change));
                Participant gone = remove(updated.id());
                events.execute(() -> listener.onParticipantLeft(this, gone, "unlisted"));
            }
            return;
        }
        put(updated);
        if (!known) {
            events.execute(() -> listener.onParticipantJoined(this, updated));
        }
        events.execute(() -> listener.onParticipantUpdated(this, updated, change));
    }

    /** The first {@code listed: false} makes the broadcast room a large audience: listeners with their hand down leave the list. */
    private void onListeners(int count, boolean nowListed) {
        if (!"broadcast".equals(mode)) {
            return; // mesh rooms have no audience
        }
        listeners = count;
        if (!nowListed && listed) {
            listed = false;
            for (Participant p : remotes.values()) {
                if (!isListed(p)) {
                    Participant gone = remove(p.id());
                    events.execute(() -> listener.onParticipantLeft(this, gone, "unlisted"));
                }
            }
        }
    }

    /** Whether the room lists a participant: everyone, except in a large audience the listeners whose hand is down. */
    private boolean isListed(Participant p) {
        return listed || mayPublish(p) || p.handRaised();
    }

    private void put(Participant p) {
        Map<String, Participant> next = new LinkedHashMap<>(remotes);
        next.put(p.id(), p);
        remotes = Collections.unmodifiableMap(next);
    }

    private Participant remove(String id) {
        Map<String, Participant> next = new LinkedHashMap<>(remotes);
        Participant gone = next.remove(id);
        remotes = Collections.unmodifiableMap(next);
        return gone;
    }

    private void ping() {
        WebSocket current = socket;
        if (current != null) {
            current.send(Frames.request("ping", null).toString());
        }
    }

    /** The room is over, once: pending requests fail, the listener hears why. */
    private void end(String reason, BifrostException error) {
        if (!over.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> ping = keepalive;
        if (ping != null) {
            ping.cancel(false);
        }
        stopAudio();
        BifrostException gone = error != null ? error : new BifrostException("disconnected", reason, "the room is over (" + reason + ")");
        pending.values().forEach(waiting -> waiting.completeExceptionally(gone));
        pending.clear();
        events.execute(() -> {
            if (!joined.isDone()) {
                joined.completeExceptionally(gone);
                ended.complete(null);
                return;
            }
            listener.onDisconnected(this, reason, error);
            ended.complete(null);
        });
    }

    /**
     * One connection attempt's side of OkHttp, on its reader thread. Only the current one
     * speaks for the room: a connection that was replaced (a stale one closing late) is ignored.
     */
    private final class Wire extends WebSocketListener {
        volatile WebSocket socket;

        private boolean current() {
            return wire == this && !over.get();
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            socket = webSocket;
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            if (!current()) {
                return;
            }
            try {
                onFrame(Frames.decodeServer(text));
            } catch (ProtocolException | JSONException e) {
                BifrostException error = new BifrostException("bad-request", "", "the server sent a frame this SDK cannot read: "
                        + e.getMessage(), e);
                events.execute(() -> listener.onError(Room.this, error));
            }
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(NORMAL_CLOSURE, null);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            if (current()) {
                lost(reason.isEmpty() ? "closed " + code : reason, null);
            }
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
            if (!current()) {
                return;
            }
            if (response != null) {
                BifrostException refused = refusal(response);
                if (!joined.isDone() || FINAL_REFUSALS.contains(refused.code())) {
                    end("refused", refused);
                    return;
                }
                lost("refused", refused); // unavailable (a draining node): try again
                return;
            }
            lost("connection-lost", new BifrostException("connection-failed", "", "the connection failed: " + failure, failure));
        }
    }

    /**
     * The current connection ended. A leave, a removal, a stale connection or a room never
     * joined ends the room; anything else is a drop, and the room reconnects.
     */
    private void lost(String closeReason, BifrostException error) {
        socket = null;
        String reason = serverReason;
        boolean mayReconnect = reason == null || serverSaysReconnect;
        serverReason = null;
        serverSaysReconnect = false;
        if (leaving || "left".equals(closeReason)) {
            end("left", null);
        } else if (!joined.isDone()) {
            end("refused", error != null ? error : new BifrostException(reason != null ? reason : "connection-failed", "",
                    "the server closed the connection before joining (" + closeReason + ")"));
        } else if (RESUMED_ELSEWHERE.equals(closeReason)) {
            end(RESUMED_ELSEWHERE, new BifrostException("disconnected", RESUMED_ELSEWHERE,
                    "the session was resumed on another connection"));
        } else if (!mayReconnect) {
            end(reason, new BifrostException("disconnected", reason, "the server ended the session (" + reason + ")"));
        } else if (reconnect.maxAttempts() == 0) {
            end("connection-lost", error != null ? error : new BifrostException("disconnected", "connection-lost",
                    "the connection closed (" + closeReason + ")"));
        } else {
            retry(reason != null ? 0 : -1, error); // a draining node asked to come back: at once
        }
    }

    /** Schedules the next reconnect attempt, or gives up. @param delayMillis -1 for the policy's */
    private void retry(long delayMillis, BifrostException last) {
        int next = ++attempt;
        if (next > reconnect.maxAttempts()) {
            end("reconnect-failed", new BifrostException("disconnected", "reconnect-failed", "gave up reconnecting after "
                    + reconnect.maxAttempts() + " attempts" + (last == null ? "" : ": " + last.getMessage())));
            return;
        }
        long delay = delayMillis >= 0 ? delayMillis : reconnect.delayMillis(next);
        wire = null; // until the attempt dials, no connection speaks for the room
        ScheduledFuture<?> ping = keepalive;
        if (ping != null) {
            ping.cancel(false);
        }
        events.execute(() -> listener.onReconnecting(this, next, delay));
        timers.schedule(() -> {
            if (!over.get()) {
                dial(true);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** The server's answer to a refused upgrade: its JSON body names the code and reason. */
    private static BifrostException refusal(Response response) {
        try {
            String body = response.body() == null ? "" : response.body().string();
            JSONObject json = new JSONObject(body);
            return new BifrostException(json.getString("code"), json.optString("reason", ""), json.optString("message", ""));
        } catch (Exception e) {
            return new BifrostException("connection-failed", "", "the server refused the connection with HTTP " + response.code());
        } finally {
            response.close();
        }
    }

    /** Runs tasks one at a time, in order, on any executor: the app's may have many threads. */
    private static final class SerialExecutor implements Executor {
        private final Executor executor;
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean();

        SerialExecutor(Executor executor) {
            this.executor = executor;
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            schedule();
        }

        private void schedule() {
            if (!tasks.isEmpty() && running.compareAndSet(false, true)) {
                executor.execute(this::drain);
            }
        }

        private void drain() {
            try {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
            } finally {
                running.set(false);
                schedule();
            }
        }
    }
}
