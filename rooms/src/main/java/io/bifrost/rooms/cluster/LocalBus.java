package io.bifrost.rooms.cluster;

import io.bifrost.rooms.room.RoomEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node bus: events and signals are handed over in memory, on the publisher's thread.
 * Subscribers must not block: they queue frames and return.
 */
public final class LocalBus implements ClusterBus {
    private static final Logger log = LoggerFactory.getLogger(LocalBus.class);

    // Copy-on-write: a room's listeners change at subscribe time only (once per room per node),
    // while every event of the room iterates them.
    private final Map<String, List<Consumer<RoomEvent>>> listeners = new ConcurrentHashMap<>();
    private final Map<String, Consumer<Signal>> inboxes = new ConcurrentHashMap<>();

    @Override
    public void publish(RoomEvent event) {
        List<Consumer<RoomEvent>> roomListeners = listeners.get(event.room());
        if (roomListeners == null) {
            return;
        }
        for (Consumer<RoomEvent> listener : roomListeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                log.error("{}: listener failed on event {}", event.room(), event.seq(), e);
            }
        }
    }

    @Override
    public Subscription subscribe(String room, Consumer<RoomEvent> listener) {
        // Each subscription gets its own entry, so closing one never ends another of the same listener.
        Consumer<RoomEvent> entry = listener::accept;
        // Adding inside compute: a concurrent close of the room's last subscription cannot
        // remove the list between creating it and adding to it.
        listeners.compute(room, (r, list) -> {
            List<Consumer<RoomEvent>> target = list != null ? list : new CopyOnWriteArrayList<>();
            target.add(entry);
            return target;
        });
        return () -> listeners.computeIfPresent(room, (r, list) -> {
            list.remove(entry);
            return list.isEmpty() ? null : list;
        });
    }

    @Override
    public Subscription registerInbox(String participantId, Consumer<Signal> inbox) {
        inboxes.put(participantId, inbox);
        return () -> inboxes.remove(participantId, inbox);
    }

    @Override
    public boolean send(Signal signal) {
        Consumer<Signal> inbox = inboxes.get(signal.to());
        if (inbox == null) {
            return false;
        }
        inbox.accept(signal);
        return true;
    }

    @Override
    public void close() {
        listeners.clear();
        inboxes.clear();
    }
}
