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
 * participant whose id sorts higher offers (the JS SDK's impolite side); this side never offers
 * as the lower one, so it never needs a rollback, and ignores an offer that collides with its own,
 * as the impolite side does. A participant that may publish sends its microphone on every call
 * from the start, silent until published: publishing then needs no new negotiation.
 */
final class MeshAudio {
    private final WebRtc webRtc;
    private final AudioSignals signals;
    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final String localId;
    private final boolean sends;
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

    /** One participant's call. Its signals are applied one at a time, in arrival order. */
    private final class Call implements RtcConnection.Events {
        final String remoteId;
        final boolean offers;
        final RtcConnection connection;
        private final PendingCandidates candidates;
        private CompletableFuture<Void> applied = CompletableFuture.completedFuture(null);
        private boolean ignoredOffer;
        private volatile boolean closed;

        Call(String remoteId) {
            this.remoteId = remoteId;
            this.offers = localId.compareTo(remoteId) > 0;
            this.connection = webRtc.create(iceServers, this);
            this.candidates = new PendingCandidates(connection);
            connection.addAudio(sends ? RtcConnection.Direction.SEND_RECV : RtcConnection.Direction.RECV_ONLY);
            if (offers) {
                then(() -> connection.offer().thenCompose(sdp -> send(Frames.description("offer", signals.nextId(), remoteId, sdp))));
            }
        }

        synchronized void handle(JSONObject frame) {
            switch (frame.getString("type")) {
                case "offer":
                    if (offers && connection.awaitingAnswer()) {
                        ignoredOffer = true; // glare: our offer wins, as the JS SDK's impolite side decides
                        return;
                    }
                    String offer = frame.getString("sdp");
                    then(() -> connection.answer(offer)
                            .thenCompose(sdp -> send(Frames.description("answer", signals.nextId(), remoteId, sdp)))
                            .thenCompose(sent -> candidates.described()));
                    return;
                case "answer":
                    String answer = frame.getString("sdp");
                    then(() -> connection.acceptAnswer(answer).thenCompose(set -> candidates.described()));
                    return;
                default:
                    candidate(frame.isNull("candidate") ? null : Candidates.of(frame.getJSONObject("candidate")));
            }
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
