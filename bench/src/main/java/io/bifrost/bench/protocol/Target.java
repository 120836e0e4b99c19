package io.bifrost.bench.protocol;

/**
 * A server the generator drives. Everything protocol-specific lives here; the generator itself
 * only speaks websocket frames, so both servers are driven by the same code.
 *
 * <p>{@link #classify} runs on an IO thread for every inbound text frame: it must not allocate
 * on the chat path and must be safe to call from several IO threads at once.
 */
public interface Target {

    /** How the report names this kind of server, e.g. {@code bifrost}. */
    String name();

    /** The request-target of the websocket upgrade of one participant, e.g. {@code /rtc?access_token=…}. */
    String upgradeTarget(String identity, boolean publisher);

    /**
     * What the text frame {@code buf[offset, offset + length)} means. A frame that needs an answer
     * (a socket.io ping, the Engine.IO open packet) is answered through {@code replies}.
     */
    Inbound classify(byte[] buf, int offset, int length, Replies replies);

    /** The text of a chat frame is {@code chatPrefix() + payload + chatSuffix()}. */
    byte[] chatPrefix();

    byte[] chatSuffix();

    /** A keepalive frame the client must send by itself, or null when the server pings. */
    byte[] keepalive();

    /** How often {@link #keepalive()} is sent, in nanoseconds. */
    long keepaliveIntervalNanos();

    /** What an inbound frame is. */
    enum Inbound {
        /** The participant is in the room: from now on it receives the room's chat. */
        JOINED,
        /** A chat message relayed by the room; it carries a payload. */
        CHAT,
        /** The server refused the participant (before or instead of joining). */
        REFUSED,
        /** The server answered a request with an error, the connection carries on. */
        ERROR,
        /** Anything else: acks, pongs, other participants joining. */
        OTHER
    }

    /** Sends a text frame on the connection that received the frame being classified. */
    @FunctionalInterface
    interface Replies {
        void sendText(byte[] text);
    }
}
