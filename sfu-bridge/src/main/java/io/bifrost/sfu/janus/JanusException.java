package io.bifrost.sfu.janus;

import io.bifrost.sfu.SfuException;

/**
 * A request Janus answered with an error, keeping Janus's own code so that the bridge can tell
 * "already there" from a real failure. It becomes an {@link SfuException} before it leaves the
 * bridge.
 */
final class JanusException extends RuntimeException {
    /** Janus core: the {@code apisecret} is missing or wrong. */
    static final int UNAUTHORIZED = 403;
    /** Janus core: the session is gone (expired, or the node restarted). */
    static final int SESSION_NOT_FOUND = 458;
    /** Janus core: the handle is gone. */
    static final int HANDLE_NOT_FOUND = 459;
    /** VideoRoom: no such room. */
    static final int NO_SUCH_ROOM = 426;
    /** VideoRoom: the room already exists. */
    static final int ROOM_EXISTS = 427;
    /** VideoRoom: no such feed (publisher, remote publisher or remotization). */
    static final int NO_SUCH_FEED = 428;
    /** VideoRoom: the admin key or the room secret is wrong. */
    static final int PLUGIN_UNAUTHORIZED = 433;
    /** VideoRoom: the publisher is not publishing. */
    static final int NOT_PUBLISHED = 435;
    /** VideoRoom: a participant (or remote publisher, or remotization) with this id exists. */
    static final int ID_EXISTS = 436;
    /** VideoRoom: anything else, among them a UDP port that could not be bound. */
    static final int UNKNOWN_ERROR = 499;

    private final int code;

    JanusException(int code, String message) {
        super(message);
        this.code = code;
    }

    int code() {
        return code;
    }

    /** What the SPI's callers get to see. */
    SfuException toSfu(String context) {
        String message = context + ": Janus error " + code + " (" + getMessage() + ")";
        return switch (code) {
            case NO_SUCH_ROOM, NO_SUCH_FEED, NOT_PUBLISHED, SESSION_NOT_FOUND, HANDLE_NOT_FOUND ->
                    new SfuException(SfuException.Reason.NOT_FOUND, message, this);
            default -> new SfuException(SfuException.Reason.REFUSED, message, this);
        };
    }
}
