package io.bifrost.signaling.session;

import io.bifrost.auth.Role;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.RoomListener;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ServerMessage;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The listeners of one broadcast room, as this node's sessions in it follow them. While the
 * room has at most {@code listedLimit} listeners, each one's join and leave is announced; with
 * more, it is a large audience: listeners with their hand down come and go unannounced, and
 * clients follow a {@code listeners} count instead, sent when it changed, at most once per
 * sweep. A room that grew large stays so while this node has sessions in it: a client prunes
 * its list when the room goes large, and no later event could make that list whole again.
 *
 * <p>The audience takes its subscription to the room's feed before its sessions take theirs,
 * and the feed hands each event to its subscribers in that order: by the time a session is
 * handed an event, the audience has counted it and decided whether it is announced.
 */
final class Audience implements RoomListener {
    private static final Object RETIRED = new Object();
    /** Decisions kept for sessions handed an event late, as a resume's replay is. */
    private static final int DECISIONS = 1024;
    private static final String TYPE = "listeners";

    private final int listedLimit;
    private final Codec codec;
    private final Set<String> listeners = new HashSet<>();    // guarded by this
    private final Set<String> hands = new HashSet<>();        // listeners with their hand up; guarded by this
    private final long[] decidedSeqs = new long[DECISIONS];   // guarded by this
    private final boolean[] quietDecisions = new boolean[DECISIONS]; // guarded by this
    private final Set<SignalingSession> sessions = new CopyOnWriteArraySet<>();
    private boolean large;                                    // guarded by this
    private int lastSentCount = -1;                           // guarded by this
    int users;                                                // sessions entered; changed only inside Audiences' compute
    /**
     * Null until the feed subscription is taken, then it, or {@link #RETIRED}. Not under the
     * audience's lock: a session retires its audience holding its outbox's lock, which a tick
     * takes, to send the count, while it holds the audience's.
     */
    private final AtomicReference<Object> subscription = new AtomicReference<>(); // a Subscription or RETIRED

    /** @param seed the room's visible participants at the seq the audience subscribes after */
    Audience(int listedLimit, Codec codec, List<Participant> seed) {
        this.listedLimit = listedLimit;
        this.codec = codec;
        Arrays.fill(decidedSeqs, -1);
        for (Participant p : seed) {
            track(p);
        }
        large = listeners.size() > listedLimit;
    }

    /** Its feed subscription, taken once the audience is in its registry; closed at once if it was retired meanwhile. */
    void subscribed(ClusterBus.Subscription feed) {
        if (!subscription.compareAndSet(null, feed)) {
            feed.close();
        }
    }

    /** Its last session left: the feed subscription ends, now or as soon as it is taken. */
    void retire() {
        if (subscription.getAndSet(RETIRED) instanceof ClusterBus.Subscription feed) {
            feed.close();
        }
    }

    /** Whether clients see every listener; false once the room is a large audience. */
    synchronized boolean listed() {
        return !large;
    }

    /** Whether a client of a large audience is told about this participant: speakers and raised hands, yes. */
    static boolean shownWhenLarge(Participant p) {
        return !isListener(p) || p.handRaised();
    }

    /** The session gets the count now and its changes from now on. */
    synchronized void attach(SignalingSession session) {
        sessions.add(session);
        session.push(frame(), TYPE);
    }

    void detach(SignalingSession session) {
        sessions.remove(session);
    }

    @Override
    public synchronized void event(RoomEvent event) {
        boolean aboutHiddenListener = apply(event);
        if (!large && listeners.size() > listedLimit) {
            large = true;
            publish(); // ahead of the event itself: clients prune their lists before it reaches them
        }
        int slot = slot(event.seq());
        decidedSeqs[slot] = event.seq();
        quietDecisions[slot] = large && aboutHiddenListener;
    }

    /** Whether the event goes unannounced to this room's clients. */
    synchronized boolean quiet(RoomEvent event) {
        int slot = slot(event.seq());
        if (decidedSeqs[slot] == event.seq()) {
            return quietDecisions[slot];
        }
        // Older than the decisions kept: a join tells by itself; a leave is announced, harmlessly.
        return large && event instanceof RoomEvent.ParticipantJoined joined && !shownWhenLarge(joined.participant());
    }

    /** Sends the count to every session if it changed since it was last sent. */
    synchronized void tick() {
        if (listeners.size() != lastSentCount) {
            publish();
        }
    }

    /** @return whether the event is about a listener whose hand is down (before the event, for a leave) */
    private boolean apply(RoomEvent event) {
        if (event instanceof RoomEvent.ParticipantJoined joined) {
            track(joined.participant());
            return !shownWhenLarge(joined.participant());
        }
        if (event instanceof RoomEvent.ParticipantLeft left) {
            boolean unshown = listeners.contains(left.participantId()) && !hands.contains(left.participantId());
            listeners.remove(left.participantId());
            hands.remove(left.participantId());
            return unshown;
        }
        if (event instanceof RoomEvent.ParticipantUpdated updated) {
            track(updated.participant()); // a new role or hand is always announced
        }
        return false;
    }

    private void track(Participant p) {
        if (isListener(p)) {
            listeners.add(p.id());
        } else {
            listeners.remove(p.id());
        }
        if (isListener(p) && p.handRaised()) {
            hands.add(p.id());
        } else {
            hands.remove(p.id());
        }
    }

    private void publish() {
        String frame = frame();
        lastSentCount = listeners.size();
        for (SignalingSession session : sessions) {
            session.push(frame, TYPE);
        }
    }

    private String frame() {
        return codec.encode(new ServerMessage.Listeners(listeners.size(), !large));
    }

    /**
     * A listener by its role, as the SDKs decide whom they list: a speaker whose publishing the
     * backend took away is still listed by them, so its leave must still be announced.
     */
    private static boolean isListener(Participant p) {
        return p.role() == Role.LISTENER && !p.hidden();
    }

    private static int slot(long seq) {
        return (int) Math.floorMod(seq, (long) DECISIONS);
    }
}
