package io.bifrost.rooms.room;

import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import java.util.Objects;

/** One participant of one room: who it is and what it may do. Immutable. */
public record Participant(String id, String identity, String name, Role role, Grants grants, String metadata) {

    public Participant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(grants, "grants");
        name = name == null || name.isEmpty() ? identity : name;
        metadata = metadata == null ? "" : metadata;
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
