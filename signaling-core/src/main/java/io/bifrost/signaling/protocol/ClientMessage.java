package io.bifrost.signaling.protocol;

/** What a client sends. {@code id} is null when the client did not ask for an answer. */
public sealed interface ClientMessage {

    String id();

    /** The wire {@code type}, a bounded set, also used as a metric tag. */
    String type();

    /** Messages addressed to one other participant of the room. */
    sealed interface Addressed extends ClientMessage {
        String to();
    }

    record Offer(String id, String to, String sdp) implements Addressed {
        @Override public String type() { return "offer"; }
    }

    record Answer(String id, String to, String sdp) implements Addressed {
        @Override public String type() { return "answer"; }
    }

    /**
     * {@code candidate} is the candidate object as JSON text, or null for end-of-candidates.
     * {@code target} says which connection to the SFU it belongs to when {@code to} is {@link #SFU}, else null.
     */
    record Candidate(String id, String to, String target, String candidate) implements Addressed {
        @Override public String type() { return "candidate"; }
    }

    /** The {@code to} of signals for the room's SFU, in broadcast rooms; never a participant id. */
    String SFU = "sfu";

    /** Which connection to the SFU a signal is about: the one that publishes, or the one that receives. */
    String PUBLISHER = "publisher";
    String SUBSCRIBER = "subscriber";

    /** Asks to speak ({@code raised}), or takes the request back. */
    record RaiseHand(String id, boolean raised) implements ClientMessage {
        @Override public String type() { return raised ? "raise-hand" : "lower-hand"; }
    }

    /** A room admin makes a participant a speaker ({@code promote}) or a listener ({@code demote}). */
    record ChangeRole(String id, String participantId, boolean promote) implements ClientMessage {
        @Override public String type() { return promote ? "promote" : "demote"; }
    }

    /** A room admin stops (or lets again) a participant's audio reach the others. */
    record Mute(String id, String participantId, boolean muted) implements ClientMessage {
        @Override public String type() { return "mute"; }
    }

    /** Stops publishing to the SFU. */
    record Unpublish(String id) implements ClientMessage {
        @Override public String type() { return "unpublish"; }
    }

    record Chat(String id, String text) implements ClientMessage {
        @Override public String type() { return "chat"; }
    }

    record Ping(String id) implements ClientMessage {
        @Override public String type() { return "ping"; }
    }

    record Leave(String id) implements ClientMessage {
        @Override public String type() { return "leave"; }
    }
}
