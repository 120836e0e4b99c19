package io.bifrost.signaling.session;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.signaling.protocol.ClientMessage;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ProtocolException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the message handlers: scripts of what up to four clients of one
 * room do (join, send any text, drop, resume, wait) and what the app's backend does (remove,
 * change a role), run against a node's sessions and rooms in process; after every step
 * {@link InProcessNode#check} holds, and at the end nothing of the room is left. So nothing a
 * client sends can fault the server, end another client's session, reach another room, or leave
 * participants, roles or SFU endpoints inconsistent.
 *
 * <p>A script is text, one step per line, so that its corpus reads like a test:
 * <pre>
 * B                          the stage is a broadcast room (first line; otherwise mesh)
 * aj h                       client a joins as host (h, s or l; speaker by default)
 * at {"type":"promote","id":"1","participantId":"$b"}   a sends a frame; $a..$d are the
 *                            clients' participant ids, $x the bystander's, $s a's session id
 * ab                         a sends a binary frame
 * aq / ax                    a closes its connection / the network drops it
 * ar / ar 3                  a resumes on a new connection after the last seq it saw / after seq 3
 * aw 1500                    1.5 s pass (the sweeper runs)
 * ak / ap l                  the backend removes a / makes a a listener
 * ag / ag n                  the backend lets a publish / stops it, its role staying
 * am / am n / ae {"x":1}     the backend mutes a / unmutes it / sets its metadata
 * an hello                   the backend sends a a message (to the room if a never joined)
 * </pre>
 * Other lines are ignored. {@code ./scripts/fuzz} fuzzes; the suite replays the committed corpus
 * ({@code src/test/resources/.../SessionFuzzTestInputs}).
 */
class SessionFuzzTest {
    private static final String CLIENTS = "abcd";
    private static final int MAX_STEPS = 200;
    private static final long MAX_PAUSE_MILLIS = 20_000;
    private final Codec codec = new Codec();

    @FuzzTest(maxDuration = "60s")
    void noScriptOfClientsBreaksTheRoomOrAnyoneElse(@NotNull String script) {
        String[] lines = script.split("\n", MAX_STEPS + 1);
        RoomMode mode = script.startsWith("B") ? RoomMode.BROADCAST : RoomMode.MESH;
        try (InProcessNode node = new InProcessNode(mode)) {
            Map<Character, ScriptedClient> clients = new HashMap<>();
            int steps = Math.min(lines.length, MAX_STEPS);
            for (int i = 0; i < steps; i++) {
                try {
                    step(node, clients, lines[i]);
                    node.settle();
                    node.check();
                } catch (AssertionError broken) {
                    throw new AssertionError("after line " + (i + 1) + " (" + lines[i] + "); the SFU was asked: "
                            + node.sfu.calls() + "\n" + broken.getMessage(), broken);
                }
            }
            try {
                node.finish();
            } catch (AssertionError broken) {
                throw new AssertionError("once everyone left; the SFU was asked: " + node.sfu.calls() + "\n"
                        + broken.getMessage(), broken);
            }
        }
    }

    private void step(InProcessNode node, Map<Character, ScriptedClient> clients, String line) {
        if (line.length() < 2 || CLIENTS.indexOf(line.charAt(0)) < 0) {
            return;
        }
        char name = line.charAt(0);
        String rest = line.substring(2).strip();
        ScriptedClient client = clients.get(name);
        if (line.charAt(1) == 'j') {
            clients.put(name, node.join(String.valueOf(name), role(rest)));
            return;
        }
        if (client == null) {
            return;
        }
        switch (line.charAt(1)) {
            case 't' -> send(node, client, expand(rest, client, clients, node));
            case 'b' -> node.binary(client);
            case 'q' -> node.hangUp(client, true);
            case 'x' -> node.hangUp(client, false);
            case 'r' -> resume(node, clients, name, client, rest);
            case 'w' -> node.await(Duration.ofMillis(Math.min(number(rest, 1000), MAX_PAUSE_MILLIS)));
            case 'k' -> node.remove(client);
            case 'p' -> node.changeRole(client, role(rest));
            case 'g' -> node.changePublishing(client, !rest.startsWith("n"));
            case 'm' -> node.change(client, new ParticipantChange.Muted(!rest.startsWith("n")));
            case 'e' -> node.change(client, new ParticipantChange.MetadataChanged(rest));
            case 'n' -> node.post(client, rest.isEmpty() ? "." : rest);
            default -> { }
        }
    }

    /** A leave is the client's own doing: the server may then end its connection. */
    private void send(InProcessNode node, ScriptedClient client, String frame) {
        try {
            if (codec.decodeClient(frame) instanceof ClientMessage.Leave) {
                client.endAsked = true;
            }
        } catch (ProtocolException refused) {
            // the server refuses it too
        }
        node.text(client, frame);
    }

    private static void resume(InProcessNode node, Map<Character, ScriptedClient> clients, char name, ScriptedClient old,
                               String lastSeq) {
        if (old.sessionId != null) {
            clients.put(name, node.resume(old, lastSeq.isEmpty() ? old.lastSeq : number(lastSeq, 0)));
        }
    }

    private static String expand(String frame, ScriptedClient self, Map<Character, ScriptedClient> clients, InProcessNode node) {
        if (frame.indexOf('$') < 0) {
            return frame;
        }
        String expanded = frame.replace("$s", String.valueOf(self.sessionId)).replace("$x", node.bystanderId());
        for (char name : CLIENTS.toCharArray()) {
            ScriptedClient other = clients.get(name);
            expanded = expanded.replace("$" + name, other == null ? "p_nobody" : String.valueOf(other.participantId));
        }
        return expanded;
    }

    private static Role role(String code) {
        return code.startsWith("h") ? Role.HOST : code.startsWith("l") ? Role.LISTENER : Role.SPEAKER;
    }

    private static long number(String text, long otherwise) {
        try {
            return Math.max(0, Long.parseLong(text));
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
