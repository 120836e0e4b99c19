package io.bifrost.android.protocol;

/** A frame that does not follow the protocol. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }
}
