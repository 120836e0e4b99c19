package io.bifrost.rooms.cluster;

import java.util.Objects;

/**
 * A WebRTC signal from one participant to another of the same room. {@code body} is opaque to
 * the room: the SDP of an offer or answer, or the JSON text of an ICE candidate ({@code null}
 * for end-of-candidates). A {@code HANDOVER} is no WebRTC signal: it tells the node that held a
 * participant's session that the session (id in {@code body}) was resumed on another node. A
 * {@code REMOVED} tells a participant's session that the room already removed it, with the
 * {@link io.bifrost.rooms.room.LeaveReason} wire name in {@code body}: the session ends
 * without leaving again. A {@code DATA} is a message from the app's backend to one
 * participant ({@code from} is {@code server}, {@code body} the text).
 */
public record Signal(String room, String from, String to, Kind kind, String body) {

    public enum Kind {
        OFFER, ANSWER, CANDIDATE, HANDOVER, REMOVED, DATA;

        /** A message between nodes about a session, not from a participant: never re-routed, never counted as lost. */
        public boolean control() {
            return this == HANDOVER || this == REMOVED;
        }
    }

    public Signal {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(kind, "kind");
    }
}
