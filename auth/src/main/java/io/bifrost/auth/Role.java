package io.bifrost.auth;

/** The part a participant plays in a room; carried in a token's {@code role} claim. */
public enum Role {
    HOST("host", new Grants(true, true, true, true, false)),
    SPEAKER("speaker", new Grants(true, true, true, false, false)),
    LISTENER("listener", new Grants(false, true, true, false, false));

    // values() clones the array on every call; fromWire runs once per verified token.
    private static final Role[] ROLES = values();
    private static final String ALLOWED = "host, speaker, listener";

    private final String wireName;
    private final Grants defaultGrants;

    Role(String wireName, Grants defaultGrants) {
        this.wireName = wireName;
        this.defaultGrants = defaultGrants;
    }

    /** The name in tokens and on the wire: {@code "host"}, {@code "speaker"} or {@code "listener"}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The role with this wire name. Matching is exact (lower case), as on the wire.
     *
     * @throws IllegalArgumentException naming the allowed values, when {@code s} is none of them
     */
    public static Role fromWire(String s) {
        for (Role role : ROLES) {
            if (role.wireName.equals(s)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role " + (s == null ? "null" : "'" + s + "'")
                + "; expected one of " + ALLOWED);
    }

    /**
     * The grants of a token with this role that names no grants: a host may publish, subscribe,
     * send data and administer the room; a speaker the same without administering; a listener
     * may subscribe and send data. None is hidden.
     */
    public Grants defaultGrants() {
        return defaultGrants;
    }
}
