package io.bifrost.sfu;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What Bifrost asks of a selective forwarding unit for broadcast rooms. One bridge serves one
 * Bifrost node; in a cluster every node has its own, and they meet in the SFU's rooms.
 *
 * <p>Names are Bifrost's own: a broadcast is named after its room, and a publisher or
 * subscriber after its participant id, so nothing needs a mapping table. A participant has at
 * most one publishing and one subscribing connection per room.
 *
 * <p>No call blocks: results complete later, on the bridge's threads, and fail with an
 * {@link SfuException}. Calls for the same participant are applied in call order.
 */
public interface SfuBridge {

    /** Connects to the SFU; called once before any other call. */
    void onStart();

    /**
     * Lets go of this bridge's publishers and subscribers on the SFU and disconnects. The
     * broadcasts stay, for the other nodes of a cluster that still use them.
     */
    void onStop();

    /** Makes sure the room's broadcast exists. Calling it again, from any node, is harmless. */
    CompletionStage<Void> open(String room);

    /** Removes the room's broadcast and every publisher and subscriber this bridge has in it. */
    CompletionStage<Void> close(String room);

    /**
     * Publishes a participant's media: its offer in, the SFU's answer out. Calling it again with
     * a new offer renegotiates (for example after an ICE restart) and keeps the same publisher.
     *
     * @param events hears about this publisher until it is unpublished
     * @return the SFU's SDP answer
     */
    CompletionStage<String> publish(String room, String participantId, String offerSdp, EndpointListener events);

    /** Stops a participant's publishing; unknown participants are ignored. */
    CompletionStage<Void> unpublish(String room, String participantId);

    /**
     * Subscribes a participant to exactly the given publishers of the room, creating its
     * subscription or changing an existing one. A subscription to no publisher is kept, so that
     * it can grow later.
     *
     * @param publishers participant ids of the publishers to receive; the subscriber itself is never included.
     *     Publishers whose media does not flow yet are left out: subscribe again once they are
     *     announced as flowing ({@link SfuEvent.MediaChanged} on their publisher)
     * @param events hears about this subscription until it is removed
     * @return the SFU's SDP offer, which the client answers with {@link #answer}; empty when the
     *     subscription already had exactly these publishers
     */
    CompletionStage<Optional<String>> subscribe(String room, String participantId, Set<String> publishers,
                                                EndpointListener events);

    /** The subscriber's answer to the latest offer of its subscription. */
    CompletionStage<Void> answer(String room, String participantId, String answerSdp);

    /** Removes a participant's subscription; unknown participants are ignored. */
    CompletionStage<Void> unsubscribe(String room, String participantId);

    /**
     * Passes on an ICE candidate of one of the participant's connections.
     *
     * @param candidateJson the candidate as the browser gives it (JSON text of an RTCIceCandidateInit),
     *     or null for end-of-candidates
     */
    CompletionStage<Void> trickle(String room, String participantId, Direction direction, String candidateJson);

    /** Stops (or resumes) forwarding a publisher's audio to its subscribers, whatever its client does. */
    CompletionStage<Void> mute(String room, String participantId, boolean muted);
}
