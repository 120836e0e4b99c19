package io.bifrost.signaling.transport;

import io.bifrost.auth.JoinClaims;
import io.bifrost.signaling.session.CloseCodes;
import io.bifrost.signaling.session.ResumeRequest;
import io.bifrost.signaling.session.Sessions;
import io.bifrost.signaling.session.SignalingSession;
import java.nio.ByteBuffer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * The websocket of one admitted client. Public because Jetty binds its callbacks through
 * method handles. It reads with explicit demand: the session asks for the next frame once it
 * handled the last one, so a client cannot make the server buffer its frames.
 */
public final class RtcEndpoint implements Session.Listener {
    private final JoinClaims claims;
    private final String tokenId;
    private final ResumeRequest resume;
    private final Sessions sessions;
    private final Runnable release; // frees the connection's place in its address's count; idempotent
    private SignalingSession signaling; // set in onWebSocketOpen, before any other callback

    RtcEndpoint(JoinClaims claims, String tokenId, ResumeRequest resume, Sessions sessions, Runnable release) {
        this.claims = claims;
        this.tokenId = tokenId;
        this.resume = resume;
        this.sessions = sessions;
        this.release = release;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        signaling = sessions.open(claims, tokenId, resume, new JettyConnection(session));
        signaling.start(); // no demand until joined: the first frame out is `joined` or `resumed`
    }

    @Override
    public void onWebSocketText(String text) {
        signaling.onText(text, System.nanoTime());
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        callback.succeed();
        signaling.onBinary(System.nanoTime());
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        release.run();
        signaling.closed(statusCode == CloseCodes.NORMAL || statusCode == CloseCodes.GOING_AWAY);
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        release.run();
        if (signaling != null) {
            signaling.closed(false);
        }
    }
}
