package io.bifrost.android;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.android.media.AudioStats;
import io.bifrost.android.media.IceCandidate;
import io.bifrost.android.media.RtcConnection;
import io.bifrost.android.media.WebRtc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A mesh call's negotiation after a promotion, on a connection that keeps WebRTC's rules for
 * offers and answers: who offers again, and who gives way when two offers cross. MediaIT hears
 * the audio of a promotion with real peers; collisions cannot be timed there.
 */
class MeshAudioTest {
    private final Signals signals = new Signals();
    private final Connection connection = new Connection();

    @AfterEach
    void nothingFailed() {
        assertThat(signals.failures).isEmpty();
    }

    @Test
    void aPromotedAnswererOffersOnceTheCallIsUp() {
        MeshAudio mesh = listener("a");
        mesh.add("b");
        mesh.onSignal(from("b", "offer"));

        mesh.startSending();
        mesh.onSignal(from("b", "answer"));

        assertThat(signals.sent).containsExactly("answer", "offer");
        assertThat(connection.steps).containsExactly("add RECV_ONLY", "answer", "send", "offer", "accept");
    }

    @Test
    void aPromotionBeforeTheFirstOfferIsCarriedByTheAnswer() {
        MeshAudio mesh = listener("a");
        mesh.add("b");

        mesh.startSending();
        mesh.onSignal(from("b", "offer"));

        assertThat(signals.sent).containsExactly("answer");
        assertThat(connection.steps).containsExactly("add RECV_ONLY", "send", "answer");
    }

    @Test
    void aPromotedOffererOffersAgainOnceItsFirstOfferIsAnswered() {
        MeshAudio mesh = listener("b");
        mesh.add("a");

        mesh.startSending();
        assertThat(signals.sent).containsExactly("offer");
        mesh.onSignal(from("a", "answer"));
        mesh.onSignal(from("a", "answer"));

        assertThat(signals.sent).containsExactly("offer", "offer");
        assertThat(connection.steps).containsExactly("add RECV_ONLY", "offer", "send", "accept", "offer", "accept");
    }

    @Test
    void whenOffersCrossTheLowerSideRollsItsOwnBackAndAnswers() {
        MeshAudio mesh = listener("a");
        mesh.add("b");
        mesh.onSignal(from("b", "offer"));
        mesh.startSending();

        mesh.onSignal(from("b", "offer"));

        assertThat(signals.sent).containsExactly("answer", "offer", "answer");
        assertThat(connection.steps).containsExactly("add RECV_ONLY", "answer", "send", "offer", "rollback", "answer");
    }

    @Test
    void whenOffersCrossTheHigherSideKeepsItsOwn() {
        MeshAudio mesh = listener("b");
        mesh.add("a");
        mesh.onSignal(from("a", "answer"));
        mesh.startSending();

        mesh.onSignal(from("a", "offer"));
        mesh.onSignal(from("a", "answer"));

        assertThat(signals.sent).containsExactly("offer", "offer");
        assertThat(connection.steps).containsExactly("add RECV_ONLY", "offer", "accept", "send", "offer", "accept");
    }

    @Test
    void aSecondPromotionChangesNothing() {
        MeshAudio mesh = listener("b");
        mesh.add("a");
        mesh.onSignal(from("a", "answer"));
        mesh.startSending();
        mesh.onSignal(from("a", "answer"));

        mesh.startSending();

        assertThat(signals.sent).containsExactly("offer", "offer");
    }

    private MeshAudio listener(String localId) {
        WebRtc webRtc = new WebRtc() {
            @Override
            public RtcConnection create(List<io.bifrost.android.media.IceServer> iceServers, RtcConnection.Events events) {
                return connection;
            }

            @Override
            public void setMicrophoneEnabled(boolean enabled) {
            }
        };
        return new MeshAudio(webRtc, signals, localId, false, List.of());
    }

    private static JSONObject from(String remoteId, String type) {
        return new JSONObject().put("type", type).put("from", remoteId).put("sdp", "v=0 " + type + " of " + remoteId);
    }

    /** The room's side: what was sent, and what failed. */
    private static final class Signals implements AudioSignals {
        final List<String> sent = new ArrayList<>();
        final List<BifrostException> failures = new ArrayList<>();
        private int ids;

        @Override
        public String nextId() {
            return String.valueOf(++ids);
        }

        @Override
        public CompletableFuture<JSONObject> request(JSONObject frame) {
            if (!frame.getString("type").equals("candidate")) {
                sent.add(frame.getString("type"));
            }
            return CompletableFuture.completedFuture(new JSONObject().put("type", "ack"));
        }

        @Override
        public void audioReceived(List<String> labels) {
        }

        @Override
        public void failed(BifrostException error) {
            failures.add(error);
        }
    }

    /** WebRTC's signaling states, as far as a call uses them: an offer may be answered only when none of ours waits. */
    private static final class Connection implements RtcConnection {
        final List<String> steps = new ArrayList<>();
        private boolean awaitingAnswer;

        @Override
        public void addAudio(Direction direction) {
            steps.add("add " + direction);
        }

        @Override
        public CompletableFuture<String> offer() {
            steps.add("offer");
            awaitingAnswer = true;
            return CompletableFuture.completedFuture("v=0 local offer");
        }

        @Override
        public CompletableFuture<String> answer(String offerSdp) {
            if (awaitingAnswer) {
                return CompletableFuture.failedFuture(new IllegalStateException("an offer in have-local-offer"));
            }
            steps.add("answer");
            return CompletableFuture.completedFuture("v=0 local answer");
        }

        @Override
        public CompletableFuture<Void> acceptAnswer(String answerSdp) {
            if (!awaitingAnswer) {
                return CompletableFuture.failedFuture(new IllegalStateException("an answer in stable"));
            }
            steps.add("accept");
            awaitingAnswer = false;
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> addIceCandidate(IceCandidate candidate) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void startSending() {
            steps.add("send");
        }

        @Override
        public CompletableFuture<Void> rollback() {
            steps.add("rollback");
            awaitingAnswer = false;
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean awaitingAnswer() {
            return awaitingAnswer;
        }

        @Override
        public CompletableFuture<AudioStats> audioStats() {
            return CompletableFuture.completedFuture(AudioStats.NONE);
        }

        @Override
        public void close() {
        }
    }
}
