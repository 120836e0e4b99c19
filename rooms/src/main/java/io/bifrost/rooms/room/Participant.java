package io.bifrost.rooms.room;

import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import java.util.Objects;

/**
 * One participant of one room: who it is, what it may do, and its state in the room. Immutable;
 * a {@link ParticipantChange} makes the next state.
 *
 * @param handRaised a listener asks to speak
 * @param muted a room admin stopped the participant's audio from reaching the others
 * @param publishing the participant's audio is published to the room's SFU (broadcast rooms)
 */
public record Participant(String id, String identity, String name, Role role, Grants grants, String metadata,
                          boolean handRaised, boolean muted, boolean publishing) {

    public Participant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(grants, "grants");
        name = name == null || name.isEmpty() ? identity : name;
        metadata = metadata == null ? "" : metadata;
    }

    /** A participant as it joins: hand down, not muted, not publishing. */
    public Participant(String id, String identity, String name, Role role, Grants grants, String metadata) {
        this(id, identity, name, role, grants, metadata, false, false, false);
    }

    /** Hidden participants (recorders, moderators' tools) are never listed or announced. */
    public boolean hidden() {
        return grants.hidden();
    }

    /** A hidden participant's message would reveal it to the room. */
    public boolean mayChat() {
        return grants.canPublishData() && !grants.hidden();
    }

    /** Signals set up media, so only a participant that sends or receives media may send them. */
    public boolean maySignal() {
        return grants.canPublish() || grants.canSubscribe();
    }
}
