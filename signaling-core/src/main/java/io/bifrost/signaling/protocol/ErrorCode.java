package io.bifrost.signaling.protocol;

/** The error codes clients see. Only these strings reach the wire; they never change meaning. */
public enum ErrorCode {
    UNAUTHORIZED("unauthorized"),
    FORBIDDEN("forbidden"),
    BAD_REQUEST("bad-request"),
    NOT_FOUND("not-found"),
    ROOM_FULL("room-full"),
    DUPLICATE_IDENTITY("duplicate-identity"),
    RATE_LIMITED("rate-limited"),
    TOO_LARGE("too-large"),
    UNAVAILABLE("unavailable"),
    /** No SFU can carry the room's media now; a broadcast room's speakers and listeners retry later. */
    SFU_UNAVAILABLE("sfu-unavailable"),
    /** The session asked for could not be resumed; a fresh {@code joined} follows. */
    RESUME_FAILED("resume-failed"),
    INTERNAL("internal");

    private final String wireName;

    ErrorCode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static ErrorCode fromWire(String wireName) {
        for (ErrorCode code : values()) {
            if (code.wireName.equals(wireName)) {
                return code;
            }
        }
        throw new IllegalArgumentException("unknown error code '" + wireName + "'");
    }
}
