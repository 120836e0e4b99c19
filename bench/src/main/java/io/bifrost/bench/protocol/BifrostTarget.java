package io.bifrost.bench.protocol;

import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bifrost's protocol (docs/protocol.md): the token is checked at the upgrade, the first frame is
 * {@code joined} (or {@code resumed}), a chat is {@code {"type":"chat","id":…,"text":…}} and
 * comes back to everyone in the room, the sender included, as
 * {@code {"type":"chat","seq",…,"from",…,"text",…,"ts",…}}. The server writes {@code type} first
 * and a room event's {@code seq} second, so a frame's kind is its prefix.
 */
public final class BifrostTarget implements Target, Signaling {
    private static final byte[] JOINED = Frames.ascii("{\"type\":\"joined\"");
    private static final byte[] RESUMED = Frames.ascii("{\"type\":\"resumed\"");
    private static final byte[] CHAT = Frames.ascii("{\"type\":\"chat\"");
    private static final byte[] CHAT_SEQ = Frames.ascii("{\"type\":\"chat\",\"seq\":");
    private static final byte[] PARTICIPANT_EVENT = Frames.ascii("{\"type\":\"participant-");
    private static final byte[] PARTICIPANT_JOINED = Frames.ascii("{\"type\":\"participant-joined\"");
    private static final byte[] ERROR = Frames.ascii("{\"type\":\"error\"");
    private static final byte[] ACK = Frames.ascii("{\"type\":\"ack\"");
    private static final byte[] ROOM_FULL = Frames.ascii("{\"type\":\"error\",\"code\":\"room-full\"");
    private static final byte[] OFFER = Frames.ascii("{\"type\":\"offer\",\"from\":\"");
    private static final byte[] ANSWER = Frames.ascii("{\"type\":\"answer\",\"from\":\"");
    private static final byte[] CANDIDATE = Frames.ascii("{\"type\":\"candidate\",\"from\":\"");
    private static final byte[] SEQ = Frames.ascii("\"seq\":");
    private static final byte[] SESSION_ID = Frames.ascii("\"sessionId\":\"");
    private static final byte[] PARTICIPANTS = Frames.ascii("\"participants\":[");
    private static final byte[] PARTICIPANT_ID = Frames.ascii("\"participant\":{\"id\":\"");
    private static final byte[] LISTED_ID = Frames.ascii("{\"id\":\"");
    /** Every chat asks for an ack, as the SDK does; one id serves, since the answers are not read. */
    private static final byte[] CHAT_PREFIX = Frames.ascii("{\"type\":\"chat\",\"id\":\"c\",\"text\":\"");
    private static final byte[] CHAT_SUFFIX = Frames.ascii("\"}");
    private static final byte[] PING = Frames.ascii("{\"type\":\"ping\"}");
    private static final byte[] LEAVE = Frames.ascii("{\"type\":\"leave\",\"id\":\"l\"}");
    /** The server's default ping interval; it closes a client silent for three of them. */
    private static final long PING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Long enough for any run; a token expiring mid-run would not matter (it is checked at connect). */
    private static final Duration TOKEN_TTL = Duration.ofHours(2);

    private final TokenIssuer issuer;

    public BifrostTarget(TokenIssuer issuer) {
        this.issuer = issuer;
    }

    /** An HS256 issuer for the key the server was started with. */
    public static BifrostTarget hmac(String keyId, String secret) {
        return new BifrostTarget(TokenIssuer.hmac(keyId, secret.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String name() {
        return "bifrost";
    }

    @Override
    public String upgradeTarget(String room, String identity, boolean publisher) {
        // Publishers speak; the audience listens, and may still chat (listeners have canPublishData).
        String token = issuer.issue(TokenRequest.builder(room, identity)
                .role(publisher ? Role.SPEAKER : Role.LISTENER).ttl(TOKEN_TTL).build());
        return "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    @Override
    public String resumeTarget(String upgradeTarget, ResumePoint point) {
        if (point.session() == null) {
            return upgradeTarget;
        }
        return upgradeTarget + "&session=" + URLEncoder.encode(point.session(), StandardCharsets.UTF_8)
                + "&lastSeq=" + (point.position() == null ? "0" : point.position());
    }

    @Override
    public Inbound classify(byte[] buf, int offset, int length, Client client) {
        ResumePoint point = client.resumePoint();
        if (Frames.startsWith(buf, offset, length, CHAT)) {
            if (point != null && Frames.startsWith(buf, offset, length, CHAT_SEQ)) {
                advance(point, Frames.numberAt(buf, offset + CHAT_SEQ.length, offset + length));
            }
            return Inbound.CHAT;
        }
        if (Frames.startsWith(buf, offset, length, JOINED)) {
            if (point != null) {
                point.session(Frames.string(buf, offset, length, SESSION_ID));
                int seq = Frames.lastIndexOf(buf, offset, offset + length, SEQ);
                point.position(null);
                advance(point, seq < 0 ? -1 : Frames.numberAt(buf, seq + SEQ.length, offset + length));
            }
            return Inbound.JOINED;
        }
        if (Frames.startsWith(buf, offset, length, RESUMED)) {
            return Inbound.RESUMED;
        }
        if (point != null && Frames.startsWith(buf, offset, length, PARTICIPANT_EVENT)) {
            int seq = Frames.indexOf(buf, offset, offset + length, SEQ);
            advance(point, seq < 0 ? -1 : Frames.numberAt(buf, seq + SEQ.length, offset + length));
            return Inbound.OTHER;
        }
        if (Frames.startsWith(buf, offset, length, ROOM_FULL)) {
            return Inbound.REFUSED;
        }
        if (Frames.startsWith(buf, offset, length, ERROR)) {
            return Inbound.ERROR;
        }
        return Inbound.OTHER;
    }

    /** The replay after a resume and the live events may overlap: the highest seq is the one applied. */
    private static void advance(ResumePoint point, long seq) {
        if (seq >= 0 && (point.position() == null || seq > Long.parseLong(point.position()))) {
            point.position(Long.toString(seq));
        }
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
        return PING.clone();
    }

    @Override
    public long keepaliveIntervalNanos() {
        return PING_INTERVAL_NANOS;
    }

    @Override
    public Signaling signaling() {
        return this;
    }

    @Override
    public List<String> announced(byte[] buf, int offset, int length) {
        int end = offset + length;
        if (Frames.startsWith(buf, offset, length, PARTICIPANT_JOINED)) {
            String id = Frames.string(buf, offset, length, PARTICIPANT_ID);
            return id == null ? List.of() : List.of(id);
        }
        if (!Frames.startsWith(buf, offset, length, JOINED)) {
            return List.of();
        }
        // joined lists the others as objects whose first field is the id; nothing after them has one
        int at = Frames.indexOf(buf, offset, end, PARTICIPANTS);
        List<String> ids = new ArrayList<>();
        while (at >= 0 && (at = Frames.indexOf(buf, at, end, LISTED_ID)) >= 0) {
            at += LISTED_ID.length;
            String id = Frames.stringAt(buf, at, end);
            if (id != null) {
                ids.add(id);
            }
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
        return Frames.ascii("{\"type\":\"offer\",\"id\":\"o\",\"to\":\"" + to + "\",\"sdp\":\"" + SDP + "\"}");
    }

    @Override
    public byte[] answer(String to) {
        return Frames.ascii("{\"type\":\"answer\",\"id\":\"a\",\"to\":\"" + to + "\",\"sdp\":\"" + SDP + "\"}");
    }

    @Override
    public byte[] candidate(String to, int n) {
        return Frames.ascii("{\"type\":\"candidate\",\"id\":\"i" + n + "\",\"to\":\"" + to + "\",\"candidate\":"
                + Signaling.candidateInit(n) + "}");
    }

    @Override
    public byte[] leave() {
        return LEAVE.clone();
    }

    @Override
    public boolean serverClosesAfterLeave() {
        return true;
    }
}
