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

    /**
     * The request-target of one participant's websocket upgrade into {@code room}, e.g.
     * {@code /rtc?access_token=…}. Bifrost's token is signed here, so a run asks before its clock starts.
     */
    String upgradeTarget(String room, String identity, boolean publisher);

    /**
     * The request-target that takes a dropped session back, given the participant's first one:
     * Bifrost asks for it in the query; socket.io asks in its connect packet, and keeps the target.
     */
    String resumeTarget(String upgradeTarget, ResumePoint point);

    /**
     * What the text frame {@code buf[offset, offset + length)} means. A frame that needs an answer
     * (a socket.io ping, the Engine.IO open packet) is answered through {@code client}; when the
     * client keeps a {@link ResumePoint}, the frames that move it (the join, room events) update it.
     */
    Inbound classify(byte[] buf, int offset, int length, Client client);

    /** The text of a chat frame is {@code chatPrefix() + payload + chatSuffix()}. */
    byte[] chatPrefix();

    byte[] chatSuffix();

    /** A keepalive frame the client must send by itself, or null when the server pings. */
    byte[] keepalive();

    /** How often {@link #keepalive()} is sent, in nanoseconds. */
    long keepaliveIntervalNanos();

    /** The relay of WebRTC signals between two participants. */
    Signaling signaling();

    /** What an inbound frame is. */
    enum Inbound {
        /** The participant is in the room: from now on it receives the room's chat. */
        JOINED,
        /** The participant took its dropped session back: it is in the room as before, and what it missed follows. */
        RESUMED,
        /** A chat message relayed by the room; it carries a payload. */
        CHAT,
        /** The server refused the participant (before or instead of joining). */
        REFUSED,
        /** The server answered a request with an error, the connection carries on. */
        ERROR,
        /** Anything else: acks, pongs, other participants joining, relayed signals. */
        OTHER
    }

    /** The connection a frame being classified came on. */
    interface Client {
        /** Sends a text frame on the connection. */
        void sendText(byte[] text);

        /** The room the participant joins. */
        String room();

        /** Where the participant's session stands, or null when the run does not resume sessions. */
        ResumePoint resumePoint();
    }
}
