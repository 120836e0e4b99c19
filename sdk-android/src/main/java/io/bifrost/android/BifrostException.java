package io.bifrost.android;

/**
 * Something Bifrost refused or that failed. {@link #code()} is the protocol's error code
 * ({@code unauthorized}, {@code forbidden}, {@code room-full}, {@code rate-limited}…, see
 * {@code docs/protocol.md}), or {@code connection-failed} when the server could not be reached;
 * {@link #reason()} the finer reason when the server gave one ({@code expired},
 * {@code bad-signature}…), else empty.
 */
public final class BifrostException extends Exception {
    private final String code;
    private final String reason;

    public BifrostException(String code, String reason, String message) {
        this(code, reason, message, null);
    }

    public BifrostException(String code, String reason, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.reason = reason == null ? "" : reason;
    }

    public String code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "BifrostException[" + code + (reason.isEmpty() ? "" : "/" + reason) + "]: " + getMessage();
    }
}
