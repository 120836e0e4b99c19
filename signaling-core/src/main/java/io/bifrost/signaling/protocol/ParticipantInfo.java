package io.bifrost.signaling.protocol;

import io.bifrost.rooms.room.Participant;

/** A participant as other participants see it on the wire. */
public record ParticipantInfo(String id, String identity, String name, String role, String metadata,
                              boolean handRaised, boolean muted, boolean publishing) {

    public static ParticipantInfo of(Participant p) {
        return new ParticipantInfo(p.id(), p.identity(), p.name(), p.role().wireName(), p.metadata(),
                p.handRaised(), p.muted(), p.publishing());
    }
}
