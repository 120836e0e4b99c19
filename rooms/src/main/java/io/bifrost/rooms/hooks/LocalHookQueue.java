package io.bifrost.rooms.hooks;

import io.bifrost.rooms.room.Ids;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hooks of rooms held in memory, queued in memory: a single node's webhooks, lost if the
 * process dies before they are delivered. Bounded: past {@code limit} queued hooks a new one is
 * dropped and reported, so an unreachable receiver cannot exhaust the heap.
 */
public final class LocalHookQueue implements HookSink, HookQueue {
    private static final Logger log = LoggerFactory.getLogger(LocalHookQueue.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final int limit;
    private final Runnable onDrop;
    private final Map<String, ArrayDeque<QueuedHook>> queues = new HashMap<>();
    private final Set<String> held = new HashSet<>();
    private int size;
    /** Hooks dropped because the queue was full. */
    private long dropped;
    private Consumer<String> holder;

    /** @param onDrop hears of each hook dropped because the queue was full */
    public LocalHookQueue(int limit, Runnable onDrop) {
        if (limit < 1) {
            throw new IllegalArgumentException("the webhook queue must hold at least 1 hook, got " + limit);
        }
        this.limit = limit;
        this.onDrop = onDrop;
    }

    @Override
    public void add(String room, RoomHook hook) {
        Consumer<String> notify = null;
        long droppedSoFar = 0;
        synchronized (this) {
            if (size >= limit) {
                droppedSoFar = ++dropped;
            } else {
                queues.computeIfAbsent(room, r -> new ArrayDeque<>())
                        .add(new QueuedHook(Ids.hook(), System.currentTimeMillis(), hook, ""));
                size++;
                notify = holder != null && held.add(room) ? holder : null;
            }
        }
        if (droppedSoFar > 0) {
            onDrop.run();
            if (droppedSoFar == 1 || droppedSoFar % 1000 == 0) { // one line per thousand while the receiver is away
                log.warn("Webhook queue full ({} hooks): hooks are dropped, {} so far, the latest of room {}", limit,
                        droppedSoFar, room);
            }
        }
        if (notify != null) {
            notify.accept(room); // outside the lock: the holder starts work that takes it again
        }
    }

    @Override
    public void start(Consumer<String> holder) {
        List<String> waiting;
        synchronized (this) {
            this.holder = holder;
            waiting = new ArrayList<>(queues.keySet());
            held.addAll(waiting);
        }
        waiting.forEach(holder);
    }

    @Override
    public synchronized CompletionStage<Optional<QueuedHook>> head(String room) {
        ArrayDeque<QueuedHook> queue = queues.get(room);
        return CompletableFuture.completedFuture(Optional.ofNullable(queue == null ? null : queue.peek()));
    }

    @Override
    public CompletionStage<Boolean> renew(String room) {
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized CompletionStage<Void> remove(String room, QueuedHook hook) {
        ArrayDeque<QueuedHook> queue = queues.get(room);
        if (queue != null && queue.peek() == hook) {
            queue.poll();
            size--;
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> deadLetter(String room, String event, String body, String why) {
        log.warn("Dead webhook: {} of room {} was not delivered ({}); body: {}", event, room, why, body);
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Boolean> release(String room) {
        ArrayDeque<QueuedHook> queue = queues.get(room);
        if (queue != null && !queue.isEmpty()) {
            return CompletableFuture.completedFuture(false);
        }
        queues.remove(room);
        held.remove(room);
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized int pendingHere() {
        return size;
    }

    @Override
    public void close() {
        // Nothing outlives the process: whatever is still queued is reported by the caller.
    }
}
