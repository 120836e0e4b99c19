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

    /** {@code candidate} is the candidate object as JSON text, or null for end-of-candidates. */
    record Candidate(String id, String to, String candidate) implements Addressed {
        @Override public String type() { return "candidate"; }
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
