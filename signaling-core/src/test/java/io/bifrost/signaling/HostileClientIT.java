package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.signaling.testing.ClientFrames;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property: whatever sequence of frames one participant sends (requests of every type with
 * fields of every kind, addressed to the others, to nobody, to another room's participant, and
 * text that is no JSON), the others' sessions go on, the room's membership stays what it is, and
 * nothing of another room reaches them. Each try is a fresh pair of rooms on one real node.
 */
class HostileClientIT {
    /** The only close codes a misbehaving client may get (docs/protocol.md, Close codes). */
    private static final Set<Integer> DOCUMENTED_CLOSES = Set.of(1000, 1008, 1009);
    private static final AtomicInteger ROOMS = new AtomicInteger();
    private static TestNode node;

    @BeforeContainer
    static void start() throws Exception {
        node = TestNode.start(Map.of("limits.messagesPerSecond", "1000", "limits.messageBurst", "1000"));
    }

    @AfterContainer
    static void stop() {
        node.close();
    }

    @Property(tries = 40)
    void theOthersInTheRoomAndInOtherRoomsGoOnUndisturbed(@ForAll("frames") @Size(max = 25) List<String> frames) throws Exception {
        int n = ROOMS.incrementAndGet();
        String room = "hostile-" + n;
        try (WsClient host = node.join(room, "host", Role.HOST, RoomMode.BROADCAST);
             WsClient victim = node.join(room, "victim", Role.LISTENER);
             WsClient attacker = node.join(room, "attacker", Role.SPEAKER);
             WsClient elsewhere = node.join("elsewhere-" + n, "bystander", Role.SPEAKER)) {
            host.drain();
            victim.drain();
            for (String frame : frames) {
                attacker.sendAndForget(frame
                        .replace("p_000000000000", victim.id())
                        .replace("\"to\":\"\"", "\"to\":\"" + elsewhere.id() + "\""));
            }

            boolean stays = answersPing(attacker); // once it answers, every frame before the ping was handled
            for (WsClient other : List.of(host, victim, elsewhere)) {
                other.send(Map.of("type", "ping", "id", "still-there"));
                assertThat(awaitPong(other).path("id").asText()).isEqualTo("still-there");
            }
            for (JsonNode seen : elsewhere.drain()) {
                assertThat(seen.toString()).as("nothing of room %s reaches another room", room).doesNotContain(attacker.id());
            }
            if (!stays) {
                assertThat(DOCUMENTED_CLOSES).contains(attacker.awaitClose().code());
                awaitLeft(host, attacker.id());
            }
            try (WsClient late = node.join(room, "late", Role.LISTENER)) {
                List<String> present = late.joined().path("participants").findValuesAsText("identity");
                assertThat(present).contains("host", "victim");
                assertThat(present.contains("attacker")).as("the attacker is listed exactly while it is in").isEqualTo(stays);
            }
        }
    }

    /** Whether the client still answers a ping; false once its connection closed. */
    private static boolean answersPing(WsClient client) throws InterruptedException {
        client.sendAndForget("{\"type\":\"ping\",\"id\":\"sync\"}");
        long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode frame : client.framesWithin(java.time.Duration.ofMillis(50))) {
                if (frame.path("type").asText().equals("pong") && frame.path("id").asText().equals("sync")) {
                    return true;
                }
            }
            if (client.isClosed()) {
                return false;
            }
        }
        throw new AssertionError("the client neither answered a ping nor was closed");
    }

    /** Waits until the room told {@code observer} that the participant left (after its resume window). */
    private static void awaitLeft(WsClient observer, String participantId) throws InterruptedException {
        while (true) {
            JsonNode left = observer.expect("participant-left");
            if (left.path("participantId").asText().equals(participantId)) {
                return;
            }
        }
    }

    /** The next pong, past whatever else the client was sent meanwhile. */
    private static JsonNode awaitPong(WsClient client) throws InterruptedException {
        return client.expect("pong");
    }

    @Provide
    Arbitrary<List<String>> frames() {
        return ClientFrames.anything().list();
    }
}
