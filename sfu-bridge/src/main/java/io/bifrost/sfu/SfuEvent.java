package io.bifrost.sfu;

/** What the SFU tells about one participant's publisher or subscription. */
public sealed interface SfuEvent {

    Direction direction();

    /** Media started or stopped flowing on the connection (ICE and DTLS up, first packets, or gone). */
    record MediaChanged(Direction direction, boolean flowing) implements SfuEvent {}

    /**
     * The SFU sees packets lost on the connection.
     *
     * @param uplink true when the loss is on what the client sends, false on what it receives
     * @param lost packets lost since the last report
     */
    record SlowLink(Direction direction, boolean uplink, int lost) implements SfuEvent {}

    /** An ICE candidate of the SFU's side, or null for end-of-candidates. */
    record Candidate(Direction direction, String candidateJson) implements SfuEvent {}

    /**
     * The subscription was moved (to another SFU node after a failure) or changed by the SFU: the
     * client answers this new offer with {@link SfuBridge#answer}.
     */
    record Offer(String sdp) implements SfuEvent {
        @Override
        public Direction direction() {
            return Direction.SUBSCRIBE;
        }
    }

    /** The SFU node that carried this publisher is gone: the client must publish again with a new offer. */
    record RepublishNeeded(String reason) implements SfuEvent {
        @Override
        public Direction direction() {
            return Direction.PUBLISH;
        }
    }

    /** No SFU node can take the endpoint now; the bridge gave up on it. */
    record Unavailable(Direction direction, String reason) implements SfuEvent {}
}
