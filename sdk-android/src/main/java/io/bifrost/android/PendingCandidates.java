package io.bifrost.android;

import io.bifrost.android.media.IceCandidate;
import io.bifrost.android.media.RtcConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A connection's remote candidates: those that come before its remote description wait for it,
 * as WebRTC drops a candidate it gets too early, without saying so.
 */
final class PendingCandidates {
    /** A peer sends a handful of candidates per gathering; more than this held back is not a real peer. */
    private static final int MAX_HELD = 64;

    private final RtcConnection connection;
    private final List<IceCandidate> held = new ArrayList<>();
    private boolean described;

    PendingCandidates(RtcConnection connection) {
        this.connection = connection;
    }

    /** Adds the candidate now, or once the remote description is in. */
    synchronized CompletableFuture<Void> add(IceCandidate candidate) {
        if (described) {
            return connection.addIceCandidate(candidate);
        }
        if (held.size() < MAX_HELD) {
            held.add(candidate);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The remote description is in: the candidates that came early are added, those it refuses dropped. */
    synchronized CompletableFuture<Void> described() {
        described = true;
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (IceCandidate c : held) {
            all = all.thenCompose(done -> connection.addIceCandidate(c).exceptionally(e -> null));
        }
        held.clear();
        return all;
    }
}
