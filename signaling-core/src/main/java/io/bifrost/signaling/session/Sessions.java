package io.bifrost.signaling.session;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.RoomMode;
import io.bifrost.sfu.SfuBridge;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.room.Rooms;
import io.bifrost.rooms.room.SpentTokens;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.protocol.Codec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The sessions of this node: creates them, finds the silent and the expired ones, hands a
 * resumed session over, and ends them all at shutdown.
 */
public final class Sessions {
    /** A draining node sends its clients away in batches this far apart. */
    private static final long DRAIN_TICK_MILLIS = 20;

    private final Set<SignalingSession> open = ConcurrentHashMap.newKeySet();
    private final Map<String, SignalingSession> bySessionId = new ConcurrentHashMap<>();
    private final SessionServices services;
    private final boolean resumableAfterShutdown;
    private volatile boolean draining;

    /**
     * @param defaultMode the mode of rooms whose creating token names none
     * @param sfu the SFU of broadcast rooms, or null when the node has none
     * @param largeAudience listeners a broadcast room may have before they are counted instead of announced
     * @param resumableAfterShutdown whether clients of a stopping node can resume elsewhere (a
     *     cluster): then their sessions wait for that instead of leaving at once
     * @param tokens mints the fresh tokens sessions are sent before theirs expire
     * @param timer runs the short, non-blocking tasks sessions set for later (reading again after a pause)
     */
    public Sessions(Rooms rooms, ClusterBus bus, Fanout fanout, Codec codec, BifrostMetrics metrics,
                    SessionLimits limits, IceServers iceServers, RoomMode defaultMode, SfuBridge sfu,
                    int largeAudience, boolean resumableAfterShutdown, TokenRefresh tokens, SpentTokens spentTokens,
                    Scheduler timer) {
        this.services = new SessionServices(rooms, bus, fanout, this, codec, metrics, limits, iceServers,
                defaultMode, sfu, new Audiences(bus, codec, largeAudience), tokens,
                new KeyedRateLimits(limits.messagesPerSecondPerRoom()), spentTokens, timer);
        this.resumableAfterShutdown = resumableAfterShutdown;
    }

    /**
     * Creates the session of a connection whose token was verified; it joins, or resumes, when started.
     *
     * @param resume the session to take back, or null to join
     */
    public SignalingSession open(JoinClaims claims, String tokenId, ResumeRequest resume, Connection connection) {
        SignalingSession session = new SignalingSession(claims, tokenId, resume, connection, services, System.nanoTime());
        open.add(session);
        return session;
    }

    /** The tokens that may not join again (see {@code auth.reuseAfterLeave}). */
    public SpentTokens spentTokens() {
        return services.spentTokens();
    }

    /**
     * Whether this node takes a join to the room under a limit of rooms per node (0: none): a
     * room it holds already, always. A soft limit: joins to new rooms that race may pass it by a few.
     */
    public boolean roomAllowed(String room, int roomsPerNode) {
        return roomsPerNode == 0 || services.bus().hasRoom(room) || services.bus().rooms() < roomsPerNode;
    }

    /** Sessions open on this node, detached ones included. */
    public int count() {
        return open.size();
    }

    public boolean draining() {
        return draining;
    }

    boolean resumableAfterShutdown() {
        return resumableAfterShutdown && draining;
    }

    /**
     * Ends the sessions silent for longer than the ping timeout, and the detached ones past the
     * resume window; sends fresh tokens to the sessions whose token expires soon; tells broadcast
     * rooms' clients their new listener counts.
     */
    public void sweep(long nowNanos) {
        Instant now = services.tokens().now();
        for (SignalingSession session : open) {
            session.checkAlive(nowNanos);
            session.refreshToken(now);
        }
        services.audiences().tick();
    }

    /**
     * Tells every client the node is going away and closes its connection, at most
     * {@code perSecond} clients a second (0: all at once) unless that would take longer than
     * {@code within}; new joins are refused from now on. The clients reconnect at once, each a
     * join to the node it reaches: ten thousand of them in the same instant would be a connect
     * storm there.
     */
    public void drain(int perSecond, Duration within) throws InterruptedException {
        draining = true;
        List<SignalingSession> all = List.copyOf(open);
        double rate = drainPace(perSecond, within, all.size());
        int batch = (int) Math.max(1, Math.ceil(rate * DRAIN_TICK_MILLIS / 1000.0));
        long start = System.nanoTime();
        for (int tick = 0, first = 0; first < all.size(); tick++, first += batch) {
            // Each batch is due a tick after the one before it started, not after it ended: on a
            // busy core, sending a batch away takes a good part of a tick itself.
            long wait = start + tick * TimeUnit.MILLISECONDS.toNanos(DRAIN_TICK_MILLIS) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            for (SignalingSession session : all.subList(first, Math.min(all.size(), first + batch))) {
                session.shutdown();
            }
        }
    }

    /**
     * Clients a second a drain sends away: {@code perSecond}, or more when that would take longer
     * than {@code within}; infinite for {@code perSecond} 0 (all at once).
     */
    public static double drainPace(int perSecond, Duration within, int clients) {
        double seconds = Math.max(within.toMillis(), DRAIN_TICK_MILLIS) / 1000.0;
        return perSecond == 0 ? Double.POSITIVE_INFINITY : Math.max(perSecond, clients / seconds);
    }

    /** At the end of a drain: the sessions nobody resumed elsewhere leave their rooms now. */
    public void endDetached() {
        for (SignalingSession session : open) {
            session.endDetached();
        }
    }

    /** The cluster declared this node dead and removed its participants: its connections are dropped. */
    public void abandonAll() {
        for (SignalingSession session : open) {
            session.abandon();
        }
    }

    /**
     * Drops a participant's connection without a close handshake, as a network failure would;
     * for fault drills and tests of client reconnection.
     *
     * @return false when no session of this node has a connection of that participant
     */
    public boolean drop(String participantId) {
        for (SignalingSession session : open) {
            if (session.participantId().equals(participantId) && session.drop()) {
                return true;
            }
        }
        return false;
    }

    /** A session got its first frame; one that had its session id before on this node was resumed and lets go. */
    void attached(SignalingSession session) {
        SignalingSession previous = bySessionId.put(session.sessionId(), session);
        if (previous != null && previous != session) {
            session.inheritTokens(previous);
            previous.supersede(false);
        }
    }

    /** A resume took the session over but could not complete (its history is gone): the session that had it lets go. */
    void takenOver(String sessionId, SignalingSession by) {
        SignalingSession previous = bySessionId.get(sessionId);
        if (previous != null && previous != by && bySessionId.remove(sessionId, previous)) {
            by.inheritTokens(previous);
            previous.supersede(false);
        }
    }

    void remove(SignalingSession session) {
        open.remove(session);
        bySessionId.remove(session.sessionId(), session);
    }
}
