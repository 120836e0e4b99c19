package io.bifrost.sfu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An {@link SfuBridge} for other modules' unit tests: it records every call, answers with canned
 * SDP, and lets a test push events to an endpoint or make the next calls fail.
 *
 * <pre>{@code
 * FakeSfuBridge sfu = new FakeSfuBridge();
 * ... the code under test publishes ...
 * assertThat(sfu.calls()).contains("publish room-1 alice");
 * sfu.emit("room-1", "alice", Direction.PUBLISH, new SfuEvent.RepublishNeeded("test"));
 * }</pre>
 *
 * Thread-safe; results complete at once, on the caller's thread.
 */
public final class FakeSfuBridge implements SfuBridge {
    /** What {@link #publish} answers. */
    public static final String ANSWER_SDP = "v=0\r\no=fake 1 1 IN IP4 127.0.0.1\r\ns=answer\r\nt=0 0\r\n";
    /** What {@link #subscribe} offers. */
    public static final String OFFER_SDP = "v=0\r\no=fake 2 1 IN IP4 127.0.0.1\r\ns=offer\r\nt=0 0\r\n";

    private final List<String> calls = new ArrayList<>();
    private final Set<String> rooms = new HashSet<>();
    private final Map<String, EndpointListener> listeners = new HashMap<>();
    private final Map<String, Set<String>> subscriptions = new HashMap<>();
    private SfuException failure;
    private boolean started;
    private boolean stopped;

    @Override
    public synchronized void onStart() {
        started = true;
        calls.add("start");
    }

    @Override
    public synchronized void onStop() {
        stopped = true;
        calls.add("stop");
    }

    @Override
    public synchronized CompletionStage<Void> open(String room) {
        return record("open " + room, () -> {
            rooms.add(room);
            return null;
        });
    }

    @Override
    public synchronized CompletionStage<Void> close(String room) {
        return record("close " + room, () -> {
            rooms.remove(room);
            listeners.keySet().removeIf(k -> k.startsWith(room + "/"));
            subscriptions.keySet().removeIf(k -> k.startsWith(room + "/"));
            return null;
        });
    }

    @Override
    public synchronized CompletionStage<String> publish(String room, String participantId, String offerSdp, EndpointListener events) {
        return record("publish " + room + " " + participantId, () -> {
            requireRoom(room);
            listeners.put(key(room, participantId, Direction.PUBLISH), events);
            return ANSWER_SDP;
        });
    }

    @Override
    public synchronized CompletionStage<Void> unpublish(String room, String participantId) {
        return record("unpublish " + room + " " + participantId, () -> {
            listeners.remove(key(room, participantId, Direction.PUBLISH));
            return null;
        });
    }

    @Override
    public synchronized CompletionStage<Optional<String>> subscribe(String room, String participantId, Set<String> publishers,
                                                                    EndpointListener events) {
        return record("subscribe " + room + " " + participantId + " " + new java.util.TreeSet<>(publishers), () -> {
            requireRoom(room);
            String key = key(room, participantId, Direction.SUBSCRIBE);
            listeners.put(key, events);
            Set<String> previous = subscriptions.put(key, Set.copyOf(publishers));
            return publishers.equals(previous) ? Optional.empty() : Optional.of(OFFER_SDP);
        });
    }

    @Override
    public synchronized CompletionStage<Void> answer(String room, String participantId, String answerSdp) {
        return record("answer " + room + " " + participantId, () -> null);
    }

    @Override
    public synchronized CompletionStage<Void> unsubscribe(String room, String participantId) {
        return record("unsubscribe " + room + " " + participantId, () -> {
            String key = key(room, participantId, Direction.SUBSCRIBE);
            listeners.remove(key);
            subscriptions.remove(key);
            return null;
        });
    }

    @Override
    public synchronized CompletionStage<Void> trickle(String room, String participantId, Direction direction, String candidateJson) {
        return record("trickle " + room + " " + participantId + " " + direction + " " + (candidateJson == null ? "end" : "candidate"),
                () -> null);
    }

    @Override
    public synchronized CompletionStage<Void> mute(String room, String participantId, boolean muted) {
        return record((muted ? "mute " : "unmute ") + room + " " + participantId, () -> null);
    }

    /** Every call so far, as {@code "publish room-1 alice"}, {@code "subscribe room-1 bob [alice]"} and so on. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The publishers a participant is subscribed to, if it has a subscription. */
    public synchronized Optional<Set<String>> subscription(String room, String participantId) {
        return Optional.ofNullable(subscriptions.get(key(room, participantId, Direction.SUBSCRIBE)));
    }

    /** Whether the room's broadcast is open: opened and not closed since. */
    public synchronized boolean isOpen(String room) {
        return rooms.contains(room);
    }

    /** The room's publishers and subscribers, as {@code "p_1 PUBLISH"} and {@code "p_2 SUBSCRIBE"}. */
    public synchronized Set<String> endpoints(String room) {
        Set<String> endpoints = new java.util.TreeSet<>();
        for (String key : listeners.keySet()) {
            String[] parts = key.split("/", 3);
            if (parts[0].equals(room)) {
                endpoints.add(parts[1] + " " + parts[2]);
            }
        }
        return endpoints;
    }

    /** Makes every following call fail with this, until {@link #failWith} is called with null. */
    public synchronized void failWith(SfuException failure) {
        this.failure = failure;
    }

    /** Sends an event to an endpoint's listener, as the SFU would. */
    public void emit(String room, String participantId, Direction direction, SfuEvent event) {
        EndpointListener listener;
        synchronized (this) {
            listener = listeners.get(key(room, participantId, direction));
        }
        if (listener == null) {
            throw new IllegalStateException("no " + direction + " endpoint for " + participantId + " in " + room);
        }
        listener.onEvent(event);
    }

    public synchronized boolean started() {
        return started;
    }

    public synchronized boolean stopped() {
        return stopped;
    }

    private <T> CompletionStage<T> record(String call, java.util.function.Supplier<T> effect) {
        calls.add(call);
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        try {
            return CompletableFuture.completedFuture(effect.get());
        } catch (SfuException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void requireRoom(String room) {
        if (!rooms.contains(room)) {
            throw new SfuException(SfuException.Reason.NOT_FOUND, "no broadcast for room " + room + " (open it first)");
        }
    }

    private static String key(String room, String participantId, Direction direction) {
        return room + "/" + participantId + "/" + direction;
    }
}
