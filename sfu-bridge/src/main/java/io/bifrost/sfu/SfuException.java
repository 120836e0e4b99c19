package io.bifrost.sfu;

/** Why the SFU did not do what was asked. */
public final class SfuException extends RuntimeException {

    public enum Reason {
        /** No SFU node answers. (A full node is no refusal: the least loaded one takes more.) */
        UNAVAILABLE,
        /** The broadcast, publisher or subscription is not there. */
        NOT_FOUND,
        /** The SFU refused the request (bad SDP, codec mismatch, a limit of the SFU). */
        REFUSED,
        /** The SFU did not answer in time. */
        TIMEOUT
    }

    private final Reason reason;

    public SfuException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public SfuException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
