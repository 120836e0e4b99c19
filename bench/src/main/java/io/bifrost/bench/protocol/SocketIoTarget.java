package io.bifrost.bench.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The socket.io 4 peer (bench/socketio) over Engine.IO v4 on a websocket, one packet per frame:
 * the server opens with {@code 0{…}}, the client connects to the main namespace with
 * {@code 40{"room":…}} (the room travels in the connect packet's auth), the server confirms with
 * {@code 40{"sid":…}}. Events are {@code 42["event",…]}, with an ack id {@code 42<id>[…]}, acks
 * {@code 43<id>[…]}. The server pings with {@code 2} and the client must answer {@code 3}.
 *
 * <p>With connection state recovery on (the peer's {@code --recovery}), the connect answer also
 * carries a private session id {@code pid}, and every room event ends with its offset; a client
 * takes its session back by connecting with both in the auth, as socket.io's own client does, and
 * the session was recovered when the answer's {@code pid} is the one it sent.
 */
public final class SocketIoTarget implements Target, Signaling {
    private static final byte[] OPEN = Frames.ascii("0{");
    private static final byte[] CONNECTED = Frames.ascii("40{");
    private static final byte[] CONNECT_ERROR = Frames.ascii("44");
    private static final byte[] DISCONNECT = Frames.ascii("41");
    private static final byte[] ACK = Frames.ascii("43");
    private static final byte[] ACK_ERROR = Frames.ascii("[{\"error\":");
    private static final byte[] CHAT = Frames.ascii("42[\"chat\"");
    private static final byte[] PONG = Frames.ascii("3");
    private static final byte[] PID = Frames.ascii("\"pid\":\"");
    private static final byte[] LAST_ARGUMENT = Frames.ascii("},\"");
    private static final byte[] PARTICIPANTS = Frames.ascii("42[\"participants\",[");
    private static final byte[] PARTICIPANT_JOINED = Frames.ascii("42[\"participant-joined\",{\"id\":\"");
    private static final byte[] OFFER = Frames.ascii("42[\"offer\",{\"from\":\"");
    private static final byte[] ANSWER = Frames.ascii("42[\"answer\",{\"from\":\"");
    private static final byte[] CANDIDATE = Frames.ascii("42[\"candidate\",{\"from\":\"");
    /** Each chat asks for an ack, as Bifrost's chats do; one ack id serves, the acks are not read. */
    private static final byte[] CHAT_PREFIX = Frames.ascii("421[\"chat\",\"");
    private static final byte[] CHAT_SUFFIX = Frames.ascii("\"]");
    private static final String UPGRADE_TARGET = "/socket.io/?EIO=4&transport=websocket";

    private final boolean announce;

    /** A target whose participants join quietly, as the fan-out scenarios have them. */
    public SocketIoTarget() {
        this(false);
    }

    /**
     * @param announce whether each participant asks the peer to tell it who is in the room and to
     *                 tell the room it joined, as Bifrost always does: the signaling scenario needs it
     */
    public SocketIoTarget(boolean announce) {
        this.announce = announce;
    }

    @Override
    public String name() {
        return "socket.io";
    }

    @Override
    public String upgradeTarget(String room, String identity, boolean publisher) {
        // Rooms in the benchmark are plain names; anything needing JSON escaping is refused.
        if (!room.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("room names are letters, digits, '.', '_' and '-': " + room);
        }
        return UPGRADE_TARGET;
    }

    @Override
    public String resumeTarget(String upgradeTarget, ResumePoint point) {
        return upgradeTarget; // the session is asked for in the connect packet
    }

    @Override
    public Inbound classify(byte[] buf, int offset, int length, Client client) {
        if (Frames.startsWith(buf, offset, length, CHAT)) {
            ResumePoint point = client.resumePoint();
            if (point != null && buf[offset + length - 1] == ']') {
                // the offset is the event's last argument, after the chat object
                int at = Frames.lastIndexOf(buf, offset, offset + length, LAST_ARGUMENT);
                if (at >= 0) {
                    point.position(Frames.stringAt(buf, at + LAST_ARGUMENT.length, offset + length));
                }
            }
            return Inbound.CHAT;
        }
        if (length == 1 && buf[offset] == '2') {
            client.sendText(PONG);
            return Inbound.OTHER;
        }
        if (Frames.startsWith(buf, offset, length, CONNECTED)) {
            ResumePoint point = client.resumePoint();
            if (point == null) {
                return Inbound.JOINED;
            }
            String pid = Frames.string(buf, offset, length, PID);
            boolean recovered = pid != null && pid.equals(point.session());
            point.session(pid);
            return recovered ? Inbound.RESUMED : Inbound.JOINED;
        }
        if (Frames.startsWith(buf, offset, length, OPEN)) {
            client.sendText(connectPacket(client));
            return Inbound.OTHER;
        }
        if (Frames.startsWith(buf, offset, length, ACK)) {
            return Frames.indexOf(buf, offset, offset + length, ACK_ERROR) >= 0 ? Inbound.ERROR : Inbound.OTHER;
        }
        if (Frames.startsWith(buf, offset, length, CONNECT_ERROR) || Frames.startsWith(buf, offset, length, DISCONNECT)
                || (length == 1 && buf[offset] == '1')) {
            return Inbound.REFUSED;
        }
        return Inbound.OTHER;
    }

    /** {@code 40{"room":…}}, asking for announcements and for the dropped session when there is one. */
    private byte[] connectPacket(Client client) {
        StringBuilder auth = new StringBuilder("40{\"room\":\"").append(client.room()).append('"');
        if (announce) {
            auth.append(",\"announce\":true");
        }
        ResumePoint point = client.resumePoint();
        if (point != null && point.session() != null && point.position() != null) {
            auth.append(",\"pid\":\"").append(point.session()).append("\",\"offset\":\"").append(point.position()).append('"');
        }
        return auth.append('}').toString().getBytes(StandardCharsets.UTF_8);
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

    @Override
    public Signaling signaling() {
        return this;
    }

    @Override
    public List<String> announced(byte[] buf, int offset, int length) {
        int end = offset + length;
        if (Frames.startsWith(buf, offset, length, PARTICIPANT_JOINED)) {
            String id = Frames.stringAt(buf, offset + PARTICIPANT_JOINED.length, end);
            return id == null ? List.of() : List.of(id);
        }
        if (!Frames.startsWith(buf, offset, length, PARTICIPANTS)) {
            return List.of();
        }
        // 42["participants",["id1","id2"]]
        List<String> ids = new ArrayList<>();
        for (int at = offset + PARTICIPANTS.length; at < end && buf[at] == '"'; ) {
            String id = Frames.stringAt(buf, at + 1, end);
            if (id == null) {
                break;
            }
            ids.add(id);
            at += id.length() + 3; // the quotes and the comma
        }
        return ids;
    }

    @Override
    public Relayed relayed(byte[] buf, int offset, int length) {
        return Frames.relayed(buf, offset, length, OFFER, ANSWER, CANDIDATE);
    }

    @Override
    public boolean acknowledges(byte[] buf, int offset, int length) {
        return Frames.startsWith(buf, offset, length, ACK);
    }

    @Override
    public byte[] offer(String to) {
        return Frames.ascii("421[\"offer\",{\"to\":\"" + to + "\",\"sdp\":\"" + SDP + "\"}]");
    }

    @Override
    public byte[] answer(String to) {
        return Frames.ascii("421[\"answer\",{\"to\":\"" + to + "\",\"sdp\":\"" + SDP + "\"}]");
    }

    @Override
    public byte[] candidate(String to, int n) {
        return Frames.ascii("421[\"candidate\",{\"to\":\"" + to + "\",\"candidate\":" + Signaling.candidateInit(n) + "}]");
    }

    @Override
    public byte[] leave() {
        return DISCONNECT.clone();
    }

    @Override
    public boolean serverClosesAfterLeave() {
        return false;
    }
}
