package io.bifrost.android;

/**
 * A chat line, to everyone in the room, in room order.
 *
 * @see RoomListener#onChat
 */
public final class ChatMessage {
    private final String from;
    private final String text;
    private final long seq;
    private final long timestamp;

    ChatMessage(String from, String text, long seq, long timestamp) {
        this.from = from;
        this.text = text;
        this.seq = seq;
        this.timestamp = timestamp;
    }

    /** The sender's participant id, or {@code server} for a line the app's backend posted. */
    public String from() {
        return from;
    }

    public String text() {
        return text;
    }

    /** The room's sequence number: the lines of one room sort by it. */
    public long seq() {
        return seq;
    }

    /** Server time, milliseconds since the Unix epoch. */
    public long timestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return "ChatMessage{" + seq + " " + from + ": " + text + "}";
    }
}
