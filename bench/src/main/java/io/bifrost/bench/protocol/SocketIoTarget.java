package io.bifrost.bench.protocol;

/**
 * The socket.io 4 peer (bench/socketio) over Engine.IO v4 on a websocket, one packet per frame:
 * the server opens with {@code 0{…}}, the client connects to the main namespace with
 * {@code 40{"room":…}} (the room travels in the connect packet's auth), the server confirms with
 * {@code 40{"sid":…}}. Events are {@code 42["event",…]}, with an ack id {@code 42<id>[…]}, acks
 * {@code 43<id>[…]}. The server pings with {@code 2} and the client must answer {@code 3}.
 */
public final class SocketIoTarget implements Target {
    private static final byte[] OPEN = Frames.ascii("0{");
    private static final byte[] CONNECTED = Frames.ascii("40{");
    private static final byte[] CONNECT_ERROR = Frames.ascii("44");
    private static final byte[] DISCONNECT = Frames.ascii("41");
    private static final byte[] CHAT = Frames.ascii("42[\"chat\"");
    private static final byte[] PONG = Frames.ascii("3");
    /** Each chat asks for an ack, as Bifrost's chats do; one ack id serves, the acks are not read. */
    private static final byte[] CHAT_PREFIX = Frames.ascii("421[\"chat\",\"");
    private static final byte[] CHAT_SUFFIX = Frames.ascii("\"]");

    private final byte[] connect;

    public SocketIoTarget(String room) {
        // Rooms in the benchmark are plain names; anything needing JSON escaping is refused.
        if (!room.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("room names are letters, digits, '.', '_' and '-': " + room);
        }
        this.connect = Frames.ascii("40{\"room\":\"" + room + "\"}");
    }

    @Override
    public String name() {
        return "socket.io";
    }

    @Override
    public String upgradeTarget(String identity, boolean publisher) {
        return "/socket.io/?EIO=4&transport=websocket";
    }

    @Override
    public Inbound classify(byte[] buf, int offset, int length, Replies replies) {
        if (Frames.startsWith(buf, offset, length, CHAT)) {
            return Inbound.CHAT;
        }
        if (length == 1 && buf[offset] == '2') {
            replies.sendText(PONG);
            return Inbound.OTHER;
        }
        if (Frames.startsWith(buf, offset, length, CONNECTED)) {
            return Inbound.JOINED;
        }
        if (Frames.startsWith(buf, offset, length, OPEN)) {
            replies.sendText(connect);
            return Inbound.OTHER;
        }
        if (Frames.startsWith(buf, offset, length, CONNECT_ERROR) || Frames.startsWith(buf, offset, length, DISCONNECT)
                || (length == 1 && buf[offset] == '1')) {
            return Inbound.REFUSED;
        }
        return Inbound.OTHER;
    }

    @Override
    public byte[] chatPrefix() {
        return CHAT_PREFIX.clone();
    }

    @Override
    public byte[] chatSuffix() {
        return CHAT_SUFFIX.clone();
    }

    @Override
    public byte[] keepalive() {
        return null;
    }

    @Override
    public long keepaliveIntervalNanos() {
        return 0;
    }
}
