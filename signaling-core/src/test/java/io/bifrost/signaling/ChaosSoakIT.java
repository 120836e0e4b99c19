package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded chaos soak: three node processes on one Redis and a room whose participants chat
 * across them, while a node is killed (SIGKILL) and another started, Redis pauses, and a
 * client's connection is cut. Then the invariants: every chat line a node accepted (acked)
 * reached every participant present for it exactly once, in the room's order; the killed node's
 * participants left everywhere with {@code node-failure}; the cut one left when its resume
 * window ran out. {@code -Dbifrost.soakSeconds=600} makes it a nightly soak; the suite runs 60 s.
 */
@Timeout(600)
class ChaosSoakIT {
    private static final Duration LENGTH = Duration.ofSeconds(Long.getLong("bifrost.soakSeconds", 60));
    private static final String ROOM = "soak";
    private static final long SEND_EVERY_MILLIS = 250;
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));

    /** One participant: where it is connected, what it sent and had accepted, and while it is live. */
    private static final class Member {
        final String name;
        final WsClient client;
        final long joinSeq;
        volatile boolean live = true;
        int sent;
        final List<JsonNode> received = new ArrayList<>();

        Member(String name, int port) throws Exception {
            this.name = name;
            String token = ISSUER.issue(TokenRequest.builder(ROOM, name).role(Role.SPEAKER).build());
            this.client = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/rtc?access_token="
                    + URLEncoder.encode(token, StandardCharsets.UTF_8)));
            this.joinSeq = client.awaitJoined().path("seq").asLong();
        }

        void chat() {
            if (live) {
                sent++;
                client.sendAndForget("{\"type\":\"chat\",\"id\":\"" + name + "-" + sent + "\",\"text\":\"" + name + "-" + sent + "\"}");
            }
        }
    }

    @Test
    void acceptedChatReachesEveryoneStillPresentExactlyOnceThroughKillsPausesAndCuts() throws Exception {
        Map<String, String> config = new HashMap<>();
        try (RedisFixture redis = RedisFixture.start()) {
            config.put("BIFROST_REDIS_URL", redis.url());
            config.put("BIFROST_ROOMS_RESUME_WINDOW", "2s");
            config.put("BIFROST_LIMITS_MESSAGES_PER_SECOND", "100");
            List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
            ScheduledExecutorService chatter = Executors.newSingleThreadScheduledExecutor();
            try {
                for (int i = 0; i < 3; i++) {
                    nodes.add(NodeProcess.start(config));
                }
                List<Member> stayers = List.of(new Member("ann", nodes.get(0).port()), new Member("bob", nodes.get(0).port()),
                        new Member("cid", nodes.get(1).port()));
                Member cut = new Member("cut", nodes.get(1).port());
                List<Member> victims = List.of(new Member("vic", nodes.get(2).port()), new Member("val", nodes.get(2).port()));
                List<Member> members = new CopyOnWriteArrayList<>(stayers);
                members.add(cut);
                members.addAll(victims);
                chatter.scheduleAtFixedRate(() -> members.forEach(Member::chat), 0, SEND_EVERY_MILLIS, TimeUnit.MILLISECONDS);

                long step = LENGTH.toMillis() / 5;
                Thread.sleep(step);
                victims.forEach(v -> v.live = false);
                nodes.get(2).kill(); // SIGKILL: its participants must leave everywhere
                Thread.sleep(step);
                NodeProcess replacement = NodeProcess.start(config);
                nodes.add(replacement);
                Member late = new Member("late", replacement.port());
                members.add(late);
                Thread.sleep(step);
                redis.pause(Duration.ofSeconds(2));
                Thread.sleep(step);
                cut.live = false;
                cut.client.close(); // a dropped connection that never comes back
                Thread.sleep(step);
                chatter.shutdown();
                assertThat(chatter.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(3000); // the last lines and the leaves arrive

                Map<String, Long> accepted = new HashMap<>(); // text -> seq, from every member's acks
                for (Member m : members) {
                    for (JsonNode frame : m.client.drain()) {
                        if (frame.path("type").asText().equals("ack") && frame.has("seq")) {
                            accepted.put(frame.path("id").asText(), frame.path("seq").asLong());
                        } else {
                            m.received.add(frame);
                        }
                    }
                }
                assertThat(accepted).as("lines were accepted throughout").hasSizeGreaterThan(members.size() * 10);
                for (Member m : List.of(stayers.get(0), stayers.get(1), stayers.get(2), late)) {
                    assertExactlyOnceInOrder(m, accepted);
                }
                for (Member stayer : stayers) {
                    Set<String> leftForFailure = new HashSet<>();
                    Set<String> leftAway = new HashSet<>();
                    for (JsonNode frame : stayer.received) {
                        if (frame.path("type").asText().equals("participant-left")) {
                            String reason = frame.path("reason").asText();
                            (reason.equals("node-failure") ? leftForFailure : leftAway).add(frame.path("participantId").asText());
                        }
                    }
                    assertThat(leftForFailure).as("%s saw the killed node's participants leave", stayer.name)
                            .containsAll(victims.stream().map(v -> v.client.id()).toList());
                    assertThat(leftAway).as("%s saw the cut participant leave", stayer.name).contains(cut.client.id());
                }
            } finally {
                chatter.shutdownNow();
                for (NodeProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    /** Every line accepted after the member joined reached it once, and its lines come in seq order. */
    private static void assertExactlyOnceInOrder(Member member, Map<String, Long> accepted) {
        List<Long> seqs = new ArrayList<>();
        Map<String, Integer> times = new HashMap<>();
        for (JsonNode frame : member.received) {
            if (frame.path("type").asText().equals("chat")) {
                seqs.add(frame.path("seq").asLong());
                times.merge(frame.path("text").asText(), 1, Integer::sum);
            }
        }
        assertThat(seqs).as("%s's lines in the room's order", member.name).isSorted().doesNotHaveDuplicates();
        assertThat(times.values()).as("%s got no line twice", member.name).allMatch(n -> n == 1);
        List<String> missing = new ArrayList<>();
        accepted.forEach((text, seq) -> {
            if (seq > member.joinSeq && !times.containsKey(text)) {
                missing.add(text + "@" + seq);
            }
        });
        assertThat(missing).as("accepted lines %s never got", member.name).isEmpty();
    }
}
