package io.bifrost.auth;

/**
 * How a room carries media; chosen by the token that creates the room ({@code roomConfig.mode}),
 * else by the server's default.
 */
public enum RoomMode {
    /** Every participant connects to every other one directly: calls and small rooms. */
    MESH("mesh"),
    /** Speakers publish to an SFU and listeners receive from it: one or a few voices, many ears. */
    BROADCAST("broadcast");

    private final String wireName;

    RoomMode(String wireName) {
        this.wireName = wireName;
    }

    /** The name in tokens, configuration and on the wire. */
    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException naming the allowed values */
    public static RoomMode fromWire(String s) {
        for (RoomMode mode : values()) {
            if (mode.wireName.equals(s)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown room mode " + (s == null ? "null" : "'" + s + "'")
                + "; expected mesh or broadcast");
    }
}
