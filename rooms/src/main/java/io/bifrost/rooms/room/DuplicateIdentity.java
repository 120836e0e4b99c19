package io.bifrost.rooms.room;

/** What a room does when an identity that is already in it joins again. */
public enum DuplicateIdentity {
    /** The newer connection wins: the older participant leaves with {@code duplicate-identity}. */
    REPLACE("replace"),
    /** The newer join is refused with {@code duplicate-identity}. */
    REJECT("reject"),
    /** Both are in the room, as two participants. */
    ALLOW("allow");

    private final String wireName;

    DuplicateIdentity(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException for a name no policy has */
    public static DuplicateIdentity fromWire(String name) {
        for (DuplicateIdentity policy : values()) {
            if (policy.wireName.equals(name)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not replace, reject or allow");
    }
}
