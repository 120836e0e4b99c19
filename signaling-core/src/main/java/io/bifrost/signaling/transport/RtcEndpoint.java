package io.bifrost.signaling.transport;

import io.bifrost.auth.JoinClaims;
import io.bifrost.signaling.session.ResumeRequest;
import io.bifrost.signaling.session.Sessions;
import io.bifrost.signaling.session.SignalingSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;

/**
 * The websocket of one admitted client, on Jetty's core websocket API: its frames, not the
 * messages of Jetty's endpoint API, whose session keeps the whole HTTP/1 connection of the upgrade
 * (parser, request, headers, the token in several forms) for as long as the websocket lives, and
 * binds each endpoint's callbacks through method handles of its own. Per idle connection that was
 * more than this session's own state.
 *
 * <p>It reads with explicit demand: the session asks for the next message once it handled the
 * last one, so a client cannot make the server buffer its messages. A demand is for a message:
 * the fragments before its last one, pings and pongs are taken here and the demand passed on.
 */
final class RtcEndpoint implements FrameHandler {
    private static final char REPLACEMENT = '\uFFFD';
    private final JoinClaims claims;
    private final String tokenId;
    private final ResumeRequest resume;
    private final Sessions sessions;
    private final Runnable release; // frees the connection's place in its address's count; idempotent
    private CoreSession frames;
    private SignalingSession signaling; // set in onOpen, before any other callback
    private byte message = OpCode.UNDEFINED; // the opcode of a message whose last fragment is to come
    private ByteArrayOutputStream fragments; // a text message's fragments so far; rare, so made when needed

    RtcEndpoint(JoinClaims claims, String tokenId, ResumeRequest resume, Sessions sessions, Runnable release) {
        this.claims = claims;
        this.tokenId = tokenId;
        this.resume = resume;
        this.sessions = sessions;
        this.release = release;
    }

    @Override
    public void onOpen(CoreSession session, Callback callback) {
        frames = session;
        signaling = sessions.open(claims, tokenId, resume, new JettyConnection(session));
        signaling.start(); // no demand until joined: the first frame out is `joined` or `resumed`
        callback.succeeded();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        switch (frame.getOpCode()) {
            case OpCode.TEXT, OpCode.BINARY -> {
                message = frame.getOpCode();
                fragments = null;
                data(frame, callback);
            }
            case OpCode.CONTINUATION -> data(frame, callback);
            case OpCode.PING -> {
                // the payload is the read buffer's, which the callback gives back
                Frame pong = new Frame(OpCode.PONG);
                if (frame.hasPayload()) {
                    pong.setPayload(BufferUtil.copy(frame.getPayload()));
                }
                frames.sendFrame(pong, Callback.NOOP, false);
                passOn(callback);
            }
            case OpCode.PONG -> passOn(callback);
            default -> callback.succeeded(); // CLOSE: Jetty answers it, and onClosed follows
        }
    }

    private void data(Frame frame, Callback callback) {
        long now = System.nanoTime();
        if (message == OpCode.BINARY) {
            if (frame.isFin()) {
                message = OpCode.UNDEFINED;
                callback.succeeded();
                signaling.onBinary(now);
            } else {
                passOn(callback);
            }
            return;
        }
        if (!frame.isFin() || fragments != null) {
            if (!collect(frame, callback)) {
                return;
            }
            if (!frame.isFin()) {
                passOn(callback);
                return;
            }
        }
        byte[] utf8 = fragments != null ? fragments.toByteArray()
                : frame.hasPayload() ? BufferUtil.toArray(frame.getPayload()) : new byte[0];
        message = OpCode.UNDEFINED;
        fragments = null;
        String text = new String(utf8, StandardCharsets.UTF_8);
        if (text.indexOf(REPLACEMENT) >= 0 && !valid(utf8)) {
            callback.failed(new BadPayloadException("a text message that is not UTF-8"));
            return;
        }
        callback.succeeded();
        signaling.onText(text, now);
    }

    /**
     * Whether bytes are UTF-8, asked only of a text with a replacement character: the JDK's
     * lenient decoding above is its fastest (JSON in ASCII is copied as it is), and a replacement
     * character in its result is either the client's own or a malformed sequence.
     */
    private static boolean valid(byte[] utf8) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8)); // reports what is malformed
            return true;
        } catch (CharacterCodingException malformed) {
            return false;
        }
    }

    /** Adds a text fragment; false (and the connection closing with 1009) past the message size. */
    private boolean collect(Frame frame, Callback callback) {
        if (fragments == null) {
            fragments = new ByteArrayOutputStream();
        }
        ByteBuffer payload = frame.getPayload();
        int length = frame.hasPayload() ? payload.remaining() : 0;
        if (fragments.size() + (long) length > frames.getMaxTextMessageSize()) {
            fragments = null;
            callback.failed(new MessageTooLargeException("a message above " + frames.getMaxTextMessageSize() + " bytes"));
            return false;
        }
        if (length > 0) {
            byte[] bytes = new byte[length];
            payload.get(bytes);
            fragments.writeBytes(bytes);
        }
        return true;
    }

    /** A frame that is not a whole message: the session's demand still waits for one. */
    private void passOn(Callback callback) {
        callback.succeeded();
        frames.demand();
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        // Counted here, where it is known that this side refused the frame: a client may close with 1009 or 1007 too.
        if (signaling != null && cause instanceof MessageTooLargeException) {
            signaling.frameRefused("frame-too-large");
        } else if (signaling != null && cause instanceof BadPayloadException) {
            signaling.frameRefused("not-utf8");
        }
        callback.succeeded(); // onClosed follows, with a status that tells the session it was not clean
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        release.run();
        if (signaling != null) {
            signaling.closed(status.getCode());
        }
        callback.succeeded();
    }
}
