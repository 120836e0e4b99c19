package io.bifrost.signaling.session;

import io.bifrost.auth.JoinClaims;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.room.Ids;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.Rooms;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.IceServer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The sessions open on this node: creates them, finds the silent ones, and ends them all at shutdown. */
public final class Sessions {
    private final Set<SignalingSession> open = ConcurrentHashMap.newKeySet();
    private final SessionServices services;
    private volatile boolean draining;

    public Sessions(Rooms rooms, ClusterBus bus, Fanout fanout, Codec codec, BifrostMetrics metrics,
                    SessionLimits limits, List<IceServer> iceServers) {
        this.services = new SessionServices(rooms, bus, fanout, this, codec, metrics, limits, iceServers);
    }

    /** Creates the session of a connection whose token was verified; it joins when started. */
    public SignalingSession open(JoinClaims claims, Connection connection) {
        Participant participant = new Participant(Ids.participant(), claims.identity(), claims.name(),
                claims.role(), claims.grants(), claims.metadata());
        SignalingSession session = new SignalingSession(participant, claims.room(), connection, services, System.nanoTime());
        open.add(session);
        return session;
    }

    public int count() {
        return open.size();
    }

    public boolean draining() {
        return draining;
    }

    /** Ends the sessions that have been silent for longer than the ping timeout. */
    public void sweep(long nowNanos) {
        for (SignalingSession session : open) {
            session.checkAlive(nowNanos);
        }
    }

    /** Tells every client the node is going away and closes its session; new joins are refused from now on. */
    public void drain() {
        draining = true;
        for (SignalingSession session : open) {
            session.shutdown();
        }
    }

    /**
     * Drops a participant's connection without a close handshake, as a network failure would;
     * for fault drills and tests of client reconnection.
     *
     * @return false when no session of this node has that participant
     */
    public boolean drop(String participantId) {
        for (SignalingSession session : open) {
            if (session.participantId().equals(participantId)) {
                session.drop();
                return true;
            }
        }
        return false;
    }

    void remove(SignalingSession session) {
        open.remove(session);
    }
}
