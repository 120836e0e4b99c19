package io.bifrost.rooms.room;

import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;

/**
 * A change of a participant's state in its room. The room applies it to the state it holds, so
 * that concurrent changes (a hand raised while the host mutes) never undo each other.
 */
public sealed interface ParticipantChange {

    /**
     * The name in events and on the wire: {@code hand}, {@code role}, {@code mute},
     * {@code publishing}, {@code permissions} or {@code metadata}.
     */
    String wireName();

    /** Whether only the participant itself may make the change; the others are for room admins. */
    boolean selfOnly();

    /** The state after the change. */
    Participant applyTo(Participant p);

    /** Whether {@code target} may be in the state this change asks for, whoever asks. */
    default boolean allowedFor(Participant target) {
        return true;
    }

    /** A listener raises (or lowers) its hand to ask to speak. */
    record HandRaised(boolean raised) implements ParticipantChange {
        @Override public String wireName() { return "hand"; }
        @Override public boolean selfOnly() { return true; }

        @Override
        public Participant applyTo(Participant p) {
            return new Participant(p.id(), p.identity(), p.name(), p.role(), p.grants(), p.metadata(),
                    raised, p.muted(), p.publishing());
        }
    }

    /**
     * A room admin gives a participant another role, with that role's grants (a hidden
     * participant stays hidden). The hand goes down; one that may no longer publish stops.
     */
    record RoleChanged(Role role) implements ParticipantChange {
        @Override public String wireName() { return "role"; }
        @Override public boolean selfOnly() { return false; }

        @Override
        public Participant applyTo(Participant p) {
            Grants d = role.defaultGrants();
            Grants grants = new Grants(d.canPublish(), d.canSubscribe(), d.canPublishData(), d.roomAdmin(), p.hidden());
            boolean stillPublishing = grants.canPublish() && p.publishing();
            return new Participant(p.id(), p.identity(), p.name(), role, grants, p.metadata(),
                    false, grants.canPublish() && p.muted(), stillPublishing);
        }
    }

    /** A room admin stops (or lets again) a participant's audio reach the others. */
    record Muted(boolean muted) implements ParticipantChange {
        @Override public String wireName() { return "mute"; }
        @Override public boolean selfOnly() { return false; }

        @Override
        public Participant applyTo(Participant p) {
            return new Participant(p.id(), p.identity(), p.name(), p.role(), p.grants(), p.metadata(),
                    p.handRaised(), muted, p.publishing());
        }
    }

    /** The participant's audio is now published to the room's SFU, or no longer. */
    record Publishing(boolean publishing) implements ParticipantChange {
        @Override public String wireName() { return "publishing"; }
        @Override public boolean selfOnly() { return true; }

        @Override
        public boolean allowedFor(Participant target) {
            return !publishing || target.grants().canPublish();
        }

        @Override
        public Participant applyTo(Participant p) {
            return new Participant(p.id(), p.identity(), p.name(), p.role(), p.grants(), p.metadata(),
                    p.handRaised(), p.muted(), publishing);
        }
    }

    /**
     * The app's backend gives a participant other permissions (its role stays); whether it is
     * hidden cannot change. One that may no longer publish stops, and its mute is lifted.
     */
    record PermissionsChanged(Grants grants) implements ParticipantChange {
        @Override public String wireName() { return "permissions"; }
        @Override public boolean selfOnly() { return false; }

        @Override
        public Participant applyTo(Participant p) {
            Grants kept = new Grants(grants.canPublish(), grants.canSubscribe(), grants.canPublishData(), grants.roomAdmin(),
                    p.hidden());
            return new Participant(p.id(), p.identity(), p.name(), p.role(), kept, p.metadata(),
                    p.handRaised(), kept.canPublish() && p.muted(), kept.canPublish() && p.publishing());
        }
    }

    /** The app's backend replaces a participant's metadata. */
    record MetadataChanged(String metadata) implements ParticipantChange {
        @Override public String wireName() { return "metadata"; }
        @Override public boolean selfOnly() { return false; }

        @Override
        public Participant applyTo(Participant p) {
            return new Participant(p.id(), p.identity(), p.name(), p.role(), p.grants(), metadata,
                    p.handRaised(), p.muted(), p.publishing());
        }
    }

    /**
     * Why {@code by} may not make this change to {@code target}, or null when it may.
     *
     * @param room the room's name, for the message
     */
    static RoomException refusal(ParticipantChange change, Participant by, Participant target, String room) {
        if (change.selfOnly() ? !by.id().equals(target.id()) : !by.grants().roomAdmin()) {
            return new RoomException(RoomException.Kind.FORBIDDEN, "participant " + by.id() + " may not change the "
                    + change.wireName() + " of " + (by.id().equals(target.id()) ? "itself" : target.id()) + " in room " + room
                    + (change.selfOnly() ? "" : "; only a room admin may"));
        }
        if (!change.allowedFor(target)) {
            return new RoomException(RoomException.Kind.FORBIDDEN,
                    "participant " + target.id() + " may not publish in room " + room);
        }
        return null;
    }
}
