package io.bifrost.signaling.protocol;

import java.util.List;

/** What the server sends. */
public sealed interface ServerMessage {

    String type();

    record Joined(String room, String mode, String sessionId, ParticipantInfo participant, List<ParticipantInfo> participants,
                  List<IceServer> iceServers, long pingInterval, long pingTimeout, long seq) implements ServerMessage {
        public Joined {
            participants = List.copyOf(participants);
            iceServers = List.copyOf(iceServers);
        }

        @Override public String type() { return "joined"; }
    }

    /** The first frame of a resumed session; the events after {@code seq} follow. */
    record Resumed(String room, String mode, String sessionId, ParticipantInfo participant, List<IceServer> iceServers,
                   long pingInterval, long pingTimeout, long seq) implements ServerMessage {
        public Resumed {
            iceServers = List.copyOf(iceServers);
        }

        @Override public String type() { return "resumed"; }
    }

    record ParticipantJoined(long seq, ParticipantInfo participant) implements ServerMessage {
        @Override public String type() { return "participant-joined"; }
    }

    record ParticipantLeft(long seq, String participantId, String reason) implements ServerMessage {
        @Override public String type() { return "participant-left"; }
    }

    /** A participant's state changed; {@code change} says what: {@code hand}, {@code role}, {@code mute} or {@code publishing}. */
    record ParticipantUpdated(long seq, ParticipantInfo participant, String change) implements ServerMessage {
        @Override public String type() { return "participant-updated"; }
    }

    /**
     * How many listeners a broadcast room has: sent on joining and resuming, then when the count
     * changed, at most about once a second.
     *
     * @param listed whether each listener's join and leave is announced; false in a large
     *     audience, whose participant list holds the speakers and the raised hands only
     */
    record Listeners(int count, boolean listed) implements ServerMessage {
        @Override public String type() { return "listeners"; }
    }

    /**
     * A signal from the room's SFU: the answer to a publisher's offer ({@code id} is the offer's),
     * an offer for the subscriber connection, or a candidate of either.
     *
     * @param target {@code publisher} or {@code subscriber}
     */
    record FromSfu(String type, String id, String target, String body) implements ServerMessage {}

    /** The SFU lost the participant's published media: the client publishes again with a new offer. */
    record SfuReset(String target, String reason) implements ServerMessage {
        @Override public String type() { return "sfu-reset"; }
    }

    /** A relayed offer, answer or candidate: {@code type} is the signal's, {@code body} the SDP or candidate JSON. */
    record Relayed(String type, String from, String body) implements ServerMessage {}

    record Chat(long seq, String from, String text, long ts) implements ServerMessage {
        @Override public String type() { return "chat"; }
    }

    /** The result of a request; {@code seq} is set when the request created a room event. */
    /** A message from the app's backend to this participant only: no room event, so no {@code seq}. */
    record Message(String from, String text, long ts) implements ServerMessage {
        @Override public String type() { return "message"; }
    }

    record Ack(String id, Long seq) implements ServerMessage {
        @Override public String type() { return "ack"; }
    }

    record Pong(String id) implements ServerMessage {
        @Override public String type() { return "pong"; }
    }

    record Error(String id, ErrorCode code, String message) implements ServerMessage {
        @Override public String type() { return "error"; }
    }

    record Disconnect(String reason, boolean reconnect) implements ServerMessage {
        @Override public String type() { return "disconnect"; }
    }

    /**
     * A fresh join token for this participant, sent before the one it connected with expires:
     * the client reconnects (resumes or rejoins) with it from now on.
     *
     * @param expiresAt the new token's {@code exp}, in milliseconds since the epoch
     */
    record Token(String token, long expiresAt) implements ServerMessage {
        @Override public String type() { return "token"; }

        /** The token is a credential: it never reaches a log through this record. */
        @Override
        public String toString() {
            return "Token[expiresAt=" + expiresAt + "]";
        }
    }
}
