package io.bifrost.android;

import java.util.Objects;
import org.json.JSONObject;

/** A participant of the room as the server last described it; immutable, replaced when it changes. */
public final class Participant {
    private final String id;
    private final String identity;
    private final String name;
    private final String role;
    private final String metadata;
    private final boolean handRaised;
    private final boolean muted;
    private final boolean publishing;

    Participant(String id, String identity, String name, String role, String metadata, boolean handRaised, boolean muted,
                boolean publishing) {
        this.id = id;
        this.identity = identity;
        this.name = name;
        this.role = role;
        this.metadata = metadata;
        this.handRaised = handRaised;
        this.muted = muted;
        this.publishing = publishing;
    }

    static Participant of(JSONObject json) {
        return new Participant(json.getString("id"), json.getString("identity"), json.optString("name", json.getString("identity")),
                json.optString("role", "listener"), json.optString("metadata", ""), json.optBoolean("handRaised"),
                json.optBoolean("muted"), json.optBoolean("publishing"));
    }

    /** The server's id of this participant in this room ({@code p_…}). */
    public String id() {
        return id;
    }

    /** The identity from the participant's join token. */
    public String identity() {
        return identity;
    }

    public String name() {
        return name;
    }

    /** {@code host}, {@code speaker} or {@code listener}. */
    public String role() {
        return role;
    }

    /** Opaque app data from the join token, or as the app's backend changed it. */
    public String metadata() {
        return metadata;
    }

    public boolean handRaised() {
        return handRaised;
    }

    /** A host muted the participant. */
    public boolean muted() {
        return muted;
    }

    /** Broadcast rooms: the participant's audio is published to the SFU. */
    public boolean publishing() {
        return publishing;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Participant)) {
            return false;
        }
        Participant p = (Participant) o;
        return id.equals(p.id) && identity.equals(p.identity) && name.equals(p.name) && role.equals(p.role)
                && metadata.equals(p.metadata) && handRaised == p.handRaised && muted == p.muted && publishing == p.publishing;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, identity, name, role, metadata, handRaised, muted, publishing);
    }

    @Override
    public String toString() {
        return "Participant{" + id + ", " + identity + ", " + role + (handRaised ? ", hand raised" : "") + (muted ? ", muted" : "") + "}";
    }
}
