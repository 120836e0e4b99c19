package io.bifrost.bench.protocol;

import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bifrost's protocol (docs/protocol.md): the token is checked at the upgrade, the first frame is
 * {@code joined}, a chat is {@code {"type":"chat","id":…,"text":…}} and comes back to everyone in
 * the room, the sender included, as {@code {"type":"chat","seq",…,"from",…,"text",…,"ts",…}}.
 * The server writes {@code type} first, so a frame's kind is its prefix.
 */
public final class BifrostTarget implements Target {
    private static final byte[] JOINED = Frames.ascii("{\"type\":\"joined\"");
    private static final byte[] CHAT = Frames.ascii("{\"type\":\"chat\"");
    private static final byte[] ERROR = Frames.ascii("{\"type\":\"error\"");
    private static final byte[] ROOM_FULL = Frames.ascii("{\"type\":\"error\",\"code\":\"room-full\"");
    /** Every chat asks for an ack, as the SDK does; one id serves, since the answers are not read. */
    private static final byte[] CHAT_PREFIX = Frames.ascii("{\"type\":\"chat\",\"id\":\"c\",\"text\":\"");
    private static final byte[] CHAT_SUFFIX = Frames.ascii("\"}");
    private static final byte[] PING = Frames.ascii("{\"type\":\"ping\"}");
    /** The server's default ping interval; it closes a client silent for three of them. */
    private static final long PING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Long enough for any run; a token expiring mid-run would not matter (it is checked at connect). */
    private static final Duration TOKEN_TTL = Duration.ofHours(2);

    private final TokenIssuer issuer;
    private final String room;

    public BifrostTarget(TokenIssuer issuer, String room) {
        this.issuer = issuer;
        this.room = room;
    }

    /** An HS256 issuer for the key the server was started with. */
    public static BifrostTarget hmac(String keyId, String secret, String room) {
        return new BifrostTarget(TokenIssuer.hmac(keyId, secret.getBytes(StandardCharsets.UTF_8)), room);
    }

    @Override
    public String name() {
        return "bifrost";
    }

    @Override
    public String upgradeTarget(String identity, boolean publisher) {
        // Publishers speak; the audience listens, and may still chat (listeners have canPublishData).
        String token = issuer.issue(TokenRequest.builder(room, identity)
                .role(publisher ? Role.SPEAKER : Role.LISTENER).ttl(TOKEN_TTL).build());
        return "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    @Override
    public Inbound classify(byte[] buf, int offset, int length, Replies replies) {
        if (Frames.startsWith(buf, offset, length, CHAT)) {
            return Inbound.CHAT;
        }
        if (Frames.startsWith(buf, offset, length, JOINED)) {
            return Inbound.JOINED;
        }
        if (Frames.startsWith(buf, offset, length, ROOM_FULL)) {
            return Inbound.REFUSED;
        }
        if (Frames.startsWith(buf, offset, length, ERROR)) {
            return Inbound.ERROR;
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
        return PING.clone();
    }

    @Override
    public long keepaliveIntervalNanos() {
        return PING_INTERVAL_NANOS;
    }
}
