package io.bifrost.android.media;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One WebRTC peer connection, as the SDK uses it: an offer/answer exchange with trickled ICE
 * and one audio section. Adapters map it onto their library's peer connection; each method
 * completes when the library's callback did, on any thread.
 */
public interface RtcConnection {

    /** How the connection's own audio section carries audio. */
    enum Direction { SEND_RECV, SEND_ONLY, RECV_ONLY }

    /** Adds an audio section before the first offer: with the microphone track unless {@code RECV_ONLY}. */
    void addAudio(Direction direction);

    /** Creates an offer and sets it as the local description; completes with its SDP. */
    CompletableFuture<String> offer();

    /** Sets a remote offer, creates the answer and sets it as the local description; completes with its SDP. */
    CompletableFuture<String> answer(String offerSdp);

    /** Sets the remote answer to this connection's offer. */
    CompletableFuture<Void> acceptAnswer(String answerSdp);

    CompletableFuture<Void> addIceCandidate(IceCandidate candidate);

    /**
     * Lets the audio section send the microphone too, for a listener promoted to speaker: the
     * section from the first negotiation if there was one, with the microphone as its track and
     * sending and receiving as its direction. The far side learns of it with the next offer or
     * answer.
     */
    void startSending();

    /** Drops this connection's offer that waits for its answer (WebRTC's rollback), so that the far side's offer can be answered instead. */
    CompletableFuture<Void> rollback();

    /** Whether an offer of this connection waits for its answer (WebRTC's {@code have-local-offer}). */
    boolean awaitingAnswer();

    /** What this connection's audio did so far. */
    CompletableFuture<AudioStats> audioStats();

    /** Frees the connection; no event follows. */
    void close();

    /** What a connection reports, on any thread. */
    interface Events {
        /** A local candidate to send; null when gathering is complete. */
        void onIceCandidate(IceCandidate candidate);

        /**
         * Audio from the far side started to arrive on a new track.
         *
         * @param streamIds the track's stream ids (msid), which the SFU sets to the sender's participant id
         */
        void onRemoteAudio(String trackId, List<String> streamIds);
    }
}
