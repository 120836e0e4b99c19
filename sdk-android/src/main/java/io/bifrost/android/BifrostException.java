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

    /** What a failed step of the SDK's own work reports: the refusal itself, or {@code internal}. */
    static BifrostException of(String doing, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof BifrostException ? (BifrostException) cause
                : new BifrostException("internal", "", doing + " failed: " + cause, cause);
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
