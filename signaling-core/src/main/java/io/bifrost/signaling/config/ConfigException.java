package io.bifrost.signaling.config;

/** The configuration cannot be used; the message says which key, where it came from, and why. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
