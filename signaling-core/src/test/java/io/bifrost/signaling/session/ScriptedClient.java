package io.bifrost.signaling.session;

import io.bifrost.auth.Role;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ErrorCode;
import io.bifrost.signaling.protocol.ParticipantInfo;
import io.bifrost.signaling.protocol.ProtocolException;
import io.bifrost.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One client's connection to an {@link InProcessNode}: it reads every frame the server writes,
 * keeps the room as those frames describe it (the view a real client's SDK would build), and
 * remembers how the server ended the connection.
 */
final class ScriptedClient implements Connection {
    /** How the server ended a connection: a close frame's code and reason, or an abort (code 0). */
    record Ending(int code, String reason) {}

    private final Codec codec;
    final String identity;
    final String room;
    final Role role;
    final List<ServerMessage> received = new ArrayList<>();
    final Map<String, ParticipantInfo> view = new LinkedHashMap<>();
    SignalingSession session;
    String participantId;
    String sessionId;
    long lastSeq;
    boolean live;        // has its joined or resumed, and the connection is open
    boolean admitted;    // got a joined or resumed on this connection
    boolean reading;     // the session asked for the next frame
    boolean gone;        // the client closed or dropped its side
    boolean endAsked;    // the client did what ends its own connection: sent leave, resumed elsewhere
    Ending ending;       // how the server ended it, once it did
    boolean endingReported;

    /** False once the broadcast room is a large audience for this session: then it lists speakers and raised hands only. */
    boolean listed = true;

    ScriptedClient(Codec codec, String identity, String room, Role role) {
        this.codec = codec;
        this.identity = identity;
        this.room = room;
        this.role = role;
    }

    /** Open from the client's side: frames may go both ways. */
    boolean open() {
        return !gone && ending == null;
    }

    @Override
    public void send(byte[] utf8, boolean more, Runnable written, Consumer<Throwable> failed) {
        String frame = new String(utf8, StandardCharsets.UTF_8);
        ServerMessage message;
        try {
            message = codec.decodeServer(frame);
        } catch (ProtocolException e) {
            throw new AssertionError(identity + " got a frame its SDK cannot read: " + frame, e);
        }
        received.add(message);
        apply(message);
        written.run();
    }

    @Override
    public void demand() {
        reading = true;
    }

    @Override
    public void close(int statusCode, String reason) {
        end(new Ending(statusCode, reason));
    }

    @Override
    public void abort() {
        end(new Ending(0, "aborted"));
    }

    private void end(Ending how) {
        if (ending == null) {
            ending = how;
        }
        live = false;
    }

    /** What the SDKs list: everyone, but in a large audience only speakers, hosts, raised hands, and oneself. */
    boolean lists(ParticipantInfo p) {
        return listed || p.id().equals(participantId) || !p.role().equals("listener") || p.handRaised();
    }

    /** Whether the server ended this connection for the client's own doing, or because it refused the client's join. */
    boolean endedByItself() {
        return endAsked || (!admitted && received.stream().anyMatch(m -> m instanceof ServerMessage.Error));
    }

    /** Whether the server ever answered this client with an {@code internal} error. */
    boolean sawInternalError() {
        return received.stream().anyMatch(m -> m instanceof ServerMessage.Error e && e.code() == ErrorCode.INTERNAL);
    }

    private void apply(ServerMessage message) {
        if (message instanceof ServerMessage.Joined joined) {
            listed = true; // a new session, as the SDKs start one
            view.clear();
            joined.participants().forEach(p -> view.put(p.id(), p));
            view.put(joined.participant().id(), joined.participant());
            participantId = joined.participant().id();
            sessionId = joined.sessionId();
            lastSeq = joined.seq();
            admitted = true;
            live = true;
        } else if (message instanceof ServerMessage.Resumed resumed) {
            view.put(resumed.participant().id(), resumed.participant());
            admitted = true;
            live = true;
        } else if (message instanceof ServerMessage.ParticipantJoined joined) {
            if (lists(joined.participant())) {
                view.put(joined.participant().id(), joined.participant());
            }
            lastSeq = joined.seq();
        } else if (message instanceof ServerMessage.ParticipantLeft left) {
            view.remove(left.participantId());
            lastSeq = left.seq();
        } else if (message instanceof ServerMessage.ParticipantUpdated updated) {
            ParticipantInfo info = updated.participant();
            if (lists(info)) {
                view.put(info.id(), info);
            } else {
                view.remove(info.id()); // lowered its hand, or was demoted, in a large audience
            }
            lastSeq = updated.seq();
        } else if (message instanceof ServerMessage.Listeners count && !count.listed() && listed) {
            listed = false;
            view.values().removeIf(p -> !lists(p));
        } else if (message instanceof ServerMessage.Chat chat) {
            lastSeq = chat.seq();
        }
    }
}
