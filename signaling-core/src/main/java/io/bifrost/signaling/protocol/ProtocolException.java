package io.bifrost.signaling.protocol;

/** A frame that cannot be accepted; carries the request id when it could be read. */
public final class ProtocolException extends Exception {
    private final ErrorCode code;
    private final String requestId;

    public ProtocolException(ErrorCode code, String requestId, String message) {
        super(message, null, false, false); // bad input is expected traffic: no stack trace
        this.code = code;
        this.requestId = requestId;
    }

    public ErrorCode code() {
        return code;
    }

    /** The id of the failed request, or null when it had none or it could not be read. */
    public String requestId() {
        return requestId;
    }
}
