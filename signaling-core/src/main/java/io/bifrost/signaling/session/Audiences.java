package io.bifrost.signaling.session;

import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.room.Participant;
import io.bifrost.signaling.protocol.Codec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The audiences of the broadcast rooms this node has sessions in; one per room, while it has any. */
final class Audiences {
    private final Map<String, Audience> byRoom = new ConcurrentHashMap<>();
    private final ClusterBus bus;
    private final Codec codec;
    private final int listedLimit;

    /** @param listedLimit listeners a room may have before it is a large audience */
    Audiences(ClusterBus bus, Codec codec, int listedLimit) {
        this.bus = bus;
        this.codec = codec;
        this.listedLimit = listedLimit;
    }

    /**
     * The room's audience, for a session that joined or resumed it; the first one in creates it
     * from what the session saw. Every call is paired with a {@link #leave}.
     *
     * @param seed the room's visible participants, the session's own included
     * @param afterSeq a seq no later than the state {@code seed} shows: events after it are replayed onto
     *     it, harmlessly, since a participant's last event decides whether it is counted
     */
    Audience enter(String room, List<Participant> seed, long afterSeq) {
        Audience[] created = new Audience[1];
        Audience audience = byRoom.compute(room, (name, existing) -> {
            Audience target = existing;
            if (target == null) {
                target = new Audience(listedLimit, codec, seed);
                created[0] = target;
            }
            target.users++;
            return target;
        });
        if (created[0] != null) {
            // Outside the map's lock: a subscription may hand the audience events right away.
            audience.subscribed(bus.subscribe(room, afterSeq, audience));
        }
        return audience;
    }

    void leave(String room, Audience audience, SignalingSession session) {
        audience.detach(session);
        boolean[] retired = new boolean[1];
        byRoom.computeIfPresent(room, (name, current) -> {
            if (current != audience || --current.users > 0) {
                return current;
            }
            retired[0] = true;
            return null;
        });
        if (retired[0]) {
            audience.retire();
        }
    }

    /** Sends each room's count where it changed. */
    void tick() {
        for (Audience audience : byRoom.values()) {
            audience.tick();
        }
    }
}
