package io.bifrost.android;

import io.bifrost.android.media.AudioStats;
import io.bifrost.android.media.IceCandidate;
import io.bifrost.android.media.IceServer;
import io.bifrost.android.media.RtcConnection;
import io.bifrost.android.media.WebRtc;
import io.bifrost.android.protocol.Frames;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.json.JSONObject;

/**
 * A mesh room's audio: one call per other participant, negotiated over the server's relayed
 * offers, answers and candidates, interoperable with the JS SDK's perfect negotiation. The
 * participant whose id sorts higher makes the first offer and wins a collision of offers (the JS
 * SDK's impolite side): it ignores the other's offer, while the lower one rolls its own back and
 * answers. A participant that may publish sends its microphone on every call from the start,
 * silent until published: publishing then needs no new negotiation. A listener promoted to
 * speaker negotiates each call again, whichever side it is, so that it is heard too.
 */
final class MeshAudio {
    private final WebRtc webRtc;
    private final AudioSignals signals;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final String localId;
    private volatile boolean sends;
    private final List<IceServer> iceServers;

    /** @param sends whether the local participant may publish, so its calls carry the microphone */
    MeshAudio(WebRtc webRtc, AudioSignals signals, String localId, boolean sends, List<IceServer> iceServers) {
        this.webRtc = webRtc;
        this.signals = signals;
        this.localId = localId;
        this.sends = sends;
        this.iceServers = iceServers;
    }

    /** A participant to call: the higher id offers, the lower one waits for its offer. */
    void add(String remoteId) {
        call(remoteId);
    }

    void remove(String remoteId) {
        Call call = calls.remove(remoteId);
        if (call != null) {
            call.close();
        }
    }

    /** An offer, answer or candidate relayed from another participant. */
    void onSignal(JSONObject frame) {
        Call call = call(frame.getString("from"));
        if (call != null) {
            call.handle(frame);
        }
    }

    /** Promoted: every call sends the microphone from now on, silent until published, as a speaker's do. */
    void startSending() {
        if (!sends) {
            sends = true;
            calls.values().forEach(Call::startSending);
        }
    }

    CompletableFuture<AudioStats> stats() {
        CompletableFuture<AudioStats> sum = CompletableFuture.completedFuture(AudioStats.NONE);
        for (Call call : calls.values()) {
            sum = sum.thenCombine(call.connection.audioStats().exceptionally(e -> AudioStats.NONE), AudioStats::plus);
        }
        return sum;
    }

    void close() {
        calls.values().forEach(Call::close);
        calls.clear();
    }

    private Call call(String remoteId) {
        if (remoteId.equals(localId)) {
            return null;
        }
        return calls.computeIfAbsent(remoteId, Call::new);
    }

    /**
     * One participant's call. Its signals and its own steps are applied one at a time, in order,
     * and each step reads the connection's state when its turn comes, not when it was queued.
     */
    private final class Call implements RtcConnection.Events {
        final String remoteId;
        /** The higher id: makes the first offer and wins a collision. */
        final boolean impolite;
        final RtcConnection connection;
        private final PendingCandidates candidates;
        private CompletableFuture<Void> applied = CompletableFuture.completedFuture(null);
        /** A first offer and its answer went through: an offer may follow. Touched by steps only. */
        private boolean negotiated;
        /** The local audio changed (a promotion) and the far side has not seen it yet. Touched by steps only. */
        private boolean changed;
        private volatile boolean ignoredOffer;
        private volatile boolean closed;

        Call(String remoteId) {
            this.remoteId = remoteId;
            this.impolite = localId.compareTo(remoteId) > 0;
            this.connection = webRtc.create(iceServers, this);
            this.candidates = new PendingCandidates(connection);
            connection.addAudio(sends ? RtcConnection.Direction.SEND_RECV : RtcConnection.Direction.RECV_ONLY);
            if (impolite) {
                then(this::offer);
            }
        }

        synchronized void handle(JSONObject frame) {
            switch (frame.getString("type")) {
                case "offer":
                    String offer = frame.getString("sdp");
                    then(() -> {
                        if (!connection.awaitingAnswer()) {
                            return answer(offer);
                        }
                        if (impolite) {
                            ignoredOffer = true; // a collision: ours wins, and they answer it
                            return CompletableFuture.completedFuture(null);
                        }
                        return connection.rollback().thenCompose(rolledBack -> answer(offer)); // theirs wins
                    });
                    return;
                case "answer":
                    String answer = frame.getString("sdp");
                    then(() -> connection.acceptAnswer(answer).thenCompose(set -> {
                        negotiated = true;
                        return candidates.described();
                    }).thenCompose(described -> changed ? offer() : CompletableFuture.completedFuture(null)));
                    return;
                default:
                    candidate(frame.isNull("candidate") ? null : Candidates.of(frame.getJSONObject("candidate")));
            }
        }

        /**
         * A promotion: the microphone goes on this call, and the far side learns of it from our
         * next offer, or from our answer to theirs if one comes first.
         */
        void startSending() {
            then(() -> {
                connection.startSending();
                changed = true;
                return negotiated && !connection.awaitingAnswer() ? offer() : CompletableFuture.completedFuture(null);
            });
        }

        private CompletableFuture<?> offer() {
            changed = false;
            return connection.offer().thenCompose(sdp -> send(Frames.description("offer", signals.nextId(), remoteId, sdp)));
        }

        /** An answer carries the local audio as it is now, so a change waiting for an offer of ours is told by it. */
        private CompletableFuture<?> answer(String offer) {
            changed = false;
            return connection.answer(offer)
                    .thenCompose(sdp -> send(Frames.description("answer", signals.nextId(), remoteId, sdp)))
                    .thenCompose(sent -> {
                        negotiated = true;
                        return candidates.described();
                    });
        }

        /** After the signals before it, so that it finds the remote description it belongs to. */
        private void candidate(IceCandidate candidate) {
            if (candidate == null) {
                return; // end of their candidates: nothing to do with trickle ICE
            }
            then(() -> candidates.add(candidate).exceptionally(e -> {
                if (!ignoredOffer) { // those of an offer we ignored cannot be added: expected
                    report("adding a candidate", e);
                }
                return null;
            }));
        }

        private synchronized void then(Supplier<CompletableFuture<?>> step) {
            applied = applied.thenCompose(done -> closed ? CompletableFuture.completedFuture(null) : step.get())
                    .handle((done, failure) -> {
                        if (failure != null) {
                            report("negotiating", failure);
                        }
                        return null;
                    });
        }

        private CompletableFuture<?> send(JSONObject frame) {
            return signals.request(frame);
        }

        @Override
        public void onIceCandidate(IceCandidate candidate) {
            if (!closed) {
                send(Frames.candidate(signals.nextId(), remoteId, candidate == null ? null : Candidates.json(candidate), null))
                        .exceptionally(e -> null); // they left meanwhile: the room says so
            }
        }

        @Override
        public void onRemoteAudio(String trackId, List<String> streamIds) {
            if (!closed) {
                signals.audioReceived(List.of(remoteId));
            }
        }

        void close() {
            closed = true;
            connection.close();
        }

        private void report(String what, Throwable failure) {
            if (!closed) {
                signals.failed(BifrostException.of("the call with " + remoteId + ": " + what, failure));
            }
        }
    }
}
