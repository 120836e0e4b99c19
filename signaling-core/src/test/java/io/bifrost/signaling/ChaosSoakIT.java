package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.sfu.testing.JanusAdminApi;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.Sdp;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.ProcessMemory;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A bounded chaos soak: three node processes on one Redis and one Janus, a mesh room and a
 * broadcast room whose participants chat across them (the broadcast's speakers publishing to
 * Janus, drifters joining it, publishing and leaving all along), while a node is killed (SIGKILL)
 * and another started, Redis pauses, Janus is killed and started again, and a client's connection
 * is cut. Checked along the way and at the end:
 * <ul>
 *   <li>every chat line a node accepted (acked) reached every participant present for it exactly
 *       once, in the room's order;
 *   <li>the killed node's participants left everywhere with {@code node-failure}; the cut one left
 *       when its resume window ran out;
 *   <li>after Janus comes back, every node's bridge has a session with it again and every speaker's
 *       new offer is answered;
 *   <li>Janus, asked through its Admin API, holds exactly the handles the nodes' bridges say they
 *       hold ({@code bifrost_sfu_handles}, plus each session's administration handle), and once
 *       everyone has left, no room and no endpoint handle at all, the gauges back at 0;
 *   <li>the surviving nodes' reachable heap and threads do not grow past a bound (see {@link #assertMemoryBounded}).
 * </ul>
 * No browser: the speakers' offers are hand-written SDP, which Janus answers and holds a handle
 * for, though ICE never completes (so no subscription gets a handle here).
 *
 * {@code -Dbifrost.soakSeconds=600} makes it a nightly soak ({@code scripts/soak}); the suite runs 60 s.
 */
class ChaosSoakIT {
    private static final Duration LENGTH = Duration.ofSeconds(Long.getLong("bifrost.soakSeconds", 60));
    /** Start-up, the checks at the end and the memory samples come on top of the soak's length. */
    private static final Duration OVERHEAD = Duration.ofMinutes(4);
    private static final String MESH = "soak";
    private static final String BROADCAST = "soak-radio";
    private static final long SEND_EVERY_MILLIS = 250;
    /** How long the system may take to settle after a change before the books must balance. */
    private static final Duration SETTLE = Duration.ofSeconds(20);
    /** A drifter joins the broadcast, publishes and leaves this often between the faults. */
    private static final long DRIFT_EVERY_MILLIS = 500;
    /** See {@link #assertMemoryBounded}. */
    private static final double HEAP_GROWTH = 1.2;
    private static final long HEAP_SLACK = 8L * 1024 * 1024;
    private static final int THREAD_SLACK = 20;
    private static final String HANDLES = "bifrost_sfu_handles";
    private static final String NODES_UP = "bifrost_sfu_nodes_up";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));

    /** One participant: where it is connected, what it sent and had accepted, and while it is live. */
    private static final class Member {
        final String name;
        final String room;
        final WsClient client;
        final long joinSeq;
        volatile boolean live = true;
        int sent;
        int offers;
        final List<JsonNode> received = new ArrayList<>();
        final List<JsonNode> acks = new ArrayList<>();

        Member(String room, String name, Role role, int port) throws Exception {
            this.name = name;
            this.room = room;
            RoomMode mode = room.equals(BROADCAST) ? RoomMode.BROADCAST : RoomMode.MESH;
            String token = ISSUER.issue(TokenRequest.builder(room, name).role(role).roomMode(mode).build());
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

        /** Offers to publish to the SFU, as a browser would; the SFU's answer must come back for this offer. */
        void publish() throws InterruptedException {
            assertThat(offer()).as("%s's offer to the SFU is answered", name).isTrue();
        }

        /**
         * Offers until the SFU answers, within {@link #SETTLE}: right after Janus came back, an offer may still find
         * a bridge that has not noticed yet, and be refused with {@code sfu-unavailable}, as a client would be.
         */
        void publishAgain() throws InterruptedException {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (!offer()) {
                assertThat(System.nanoTime()).as("%s's offer answered within %s of Janus's restart", name, SETTLE).isLessThan(deadline);
                Thread.sleep(500);
            }
        }

        /** True when the SFU answered the offer, false when the node refused it because the SFU is unavailable. */
        private boolean offer() throws InterruptedException {
            String id = name + "-offer-" + (++offers);
            client.send(Map.of("type", "offer", "id", id, "to", "sfu", "sdp", Sdp.opusOffer()));
            JsonNode reply = await(f -> id.equals(f.path("id").asText()) && !f.path("type").asText().equals("ack"),
                    "the reply to " + id);
            if (reply.path("type").asText().equals("error")) {
                assertThat(reply.path("code").asText()).as("%s's offer refused", name).isEqualTo("sfu-unavailable");
                return false;
            }
            assertThat(reply.path("type").asText()).isEqualTo("answer");
            assertThat(reply.path("sdp").asText()).as("%s's answer from the SFU", name).contains("opus/48000");
            return true;
        }

        /** Waits until the node tells this member that the SFU is gone. */
        void awaitSfuUnavailable() throws InterruptedException {
            await(f -> f.path("type").asText().equals("error") && f.path("code").asText().equals("sfu-unavailable"),
                    "sfu-unavailable");
        }

        /** The first frame that is wanted; the others are kept for the chat checks, in order. */
        private JsonNode await(Predicate<JsonNode> wanted, String what) throws InterruptedException {
            long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode frame = client.next();
                if (wanted.test(frame)) {
                    return frame;
                }
                keep(frame);
            }
            throw new AssertionError(name + " got no " + what + " within " + WsClient.WAIT);
        }

        /** The frames not taken yet, kept. */
        void drain() {
            client.drain().forEach(this::keep);
        }

        private void keep(JsonNode frame) {
            if (frame.path("type").asText().equals("ack") && frame.has("seq")) {
                acks.add(frame);
            } else {
                received.add(frame);
            }
        }
    }

    private int drifters;
    private long started;

    @Test
    void chatStaysExactlyOnceAndJanusHoldsNoMoreThanTheBridgesThroughKillsPausesRestartsAndCuts() {
        assertTimeoutPreemptively(LENGTH.plus(OVERHEAD), this::soak);
    }

    private void soak() throws Exception {
        started = System.nanoTime();
        String apiSecret = JanusFixture.newSecret("api");
        String adminKey = JanusFixture.newSecret("admin");
        try (RedisFixture redis = RedisFixture.start(); JanusFixture janus = JanusFixture.start(apiSecret, adminKey)) {
            JanusAdminApi janusAdmin = janus.adminApi();
            Map<String, String> config = new HashMap<>();
            config.put("BIFROST_REDIS_URL", redis.url());
            config.put("BIFROST_ROOMS_RESUME_WINDOW", "2s");
            config.put("BIFROST_LIMITS_MESSAGES_PER_SECOND", "100");
            config.put("BIFROST_SFU_JANUS", janus.wsUri().toString());
            config.put("BIFROST_SFU_API_SECRET", apiSecret);
            config.put("BIFROST_SFU_ADMIN_KEY", adminKey);
            config.put("BIFROST_SFU_PING_INTERVAL", "1s"); // a Janus that went away is noticed within seconds
            config.put("BIFROST_SFU_PING_TIMEOUT", "3s");
            List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
            List<NodeProcess> live = new CopyOnWriteArrayList<>();
            ScheduledExecutorService chatter = Executors.newSingleThreadScheduledExecutor();
            try {
                progress("Redis and Janus up");
                startNodes(3, config, nodes);
                live.addAll(nodes);
                progress("three nodes up");
                assertBooksBalance(janusAdmin, live, "before anyone joined");
                awaitGauge(live, NODES_UP, 1, "each node's bridge has its Janus session");
                List<NodeProcess> survivors = List.of(nodes.get(0), nodes.get(1)); // up from start to end

                List<Member> stayers = List.of(new Member(MESH, "ann", Role.SPEAKER, nodes.get(0).port()),
                        new Member(MESH, "bob", Role.SPEAKER, nodes.get(0).port()),
                        new Member(MESH, "cid", Role.SPEAKER, nodes.get(1).port()));
                Member cut = new Member(MESH, "cut", Role.SPEAKER, nodes.get(1).port());
                List<Member> speakers = new CopyOnWriteArrayList<>(List.of(new Member(BROADCAST, "hana", Role.HOST, nodes.get(0).port()),
                        new Member(BROADCAST, "sam", Role.SPEAKER, nodes.get(1).port())));
                List<Member> victims = List.of(new Member(MESH, "vic", Role.SPEAKER, nodes.get(2).port()),
                        new Member(MESH, "val", Role.SPEAKER, nodes.get(2).port()),
                        new Member(BROADCAST, "vera", Role.SPEAKER, nodes.get(2).port()));
                List<Member> members = new CopyOnWriteArrayList<>(stayers);
                members.add(cut);
                members.addAll(speakers);
                members.addAll(victims);
                for (Member m : members) {
                    if (m.room.equals(BROADCAST)) {
                        m.publish();
                    }
                }
                assertBooksBalance(janusAdmin, live, "three speakers publishing");
                progress("everyone joined, three speakers publish");
                chatter.scheduleAtFixedRate(() -> members.forEach(Member::chat), 0, SEND_EVERY_MILLIS, TimeUnit.MILLISECONDS);

                // six steps, each a fault after a while of drifters: what a fault and its checks take is inside its step
                long begun = System.nanoTime();
                long step = LENGTH.toNanos() / 6;
                Map<NodeProcess, List<ProcessMemory>> memory = new HashMap<>();
                driftUntil(begun + step, survivors);
                sample(survivors, memory); // the plateau: everyone has joined and chatted for a while
                progress("first memory sample");
                List<Member> witnesses = new ArrayList<>(stayers); // those who must see the victims and the cut one leave
                witnesses.addAll(speakers);
                victims.forEach(v -> v.live = false);
                nodes.get(2).kill(); // SIGKILL: its participants must leave everywhere, its Janus session go
                live.remove(nodes.get(2));
                assertBooksBalance(janusAdmin, live, "after a node was killed");
                progress("a node killed");

                driftUntil(begun + 2 * step, survivors);
                NodeProcess replacement = NodeProcess.start(config);
                nodes.add(replacement);
                live.add(replacement);
                Member late = new Member(MESH, "late", Role.SPEAKER, replacement.port());
                Member lena = new Member(BROADCAST, "lena", Role.SPEAKER, replacement.port());
                members.addAll(List.of(late, lena));
                speakers.add(lena);
                lena.publish();
                assertBooksBalance(janusAdmin, live, "after a new node joined");
                progress("a new node started");

                driftUntil(begun + 3 * step, survivors);
                sample(survivors, memory);
                redis.pause(Duration.ofSeconds(2));
                progress("Redis paused");

                driftUntil(begun + 4 * step, survivors);
                sample(survivors, memory);
                janus.restart(); // every session, handle and room on it is gone
                for (Member speaker : speakers) {
                    speaker.awaitSfuUnavailable();
                }
                awaitGauge(live, NODES_UP, 1, "every bridge has a new Janus session");
                for (Member speaker : speakers) {
                    speaker.publishAgain(); // a working SFU endpoint again
                }
                assertBooksBalance(janusAdmin, live, "after Janus restarted and the speakers published again");
                progress("Janus restarted");

                driftUntil(begun + 5 * step, survivors);
                sample(survivors, memory);
                cut.live = false;
                cut.client.close(); // a dropped connection that never comes back
                progress("a connection cut");

                driftUntil(begun + 6 * step, survivors);
                chatter.shutdown();
                assertThat(chatter.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(3000); // the last lines and the leaves arrive
                sample(survivors, memory);

                progress("chat stopped, " + drifters + " drifters came and went");
                List<Member> present = new ArrayList<>(witnesses); // present to the end
                present.addAll(List.of(late, lena));
                assertChatInvariants(members, present, witnesses, victims, cut);
                assertMemoryBounded(memory);
                everyoneLeaves(members);
                assertNothingLeftOnJanus(janusAdmin, live);
                progress("everyone left, nothing left on Janus");
            } finally {
                chatter.shutdownNow();
                for (NodeProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    /**
     * Waits out a step of the soak while drifters come and go through the surviving nodes: each
     * joins the broadcast, publishes (a handle on Janus) and leaves (the handle must go), so that
     * the books and the memory bound see endpoints come and go, not only a fixed set of them.
     */
    private void driftUntil(long deadline, List<NodeProcess> through) throws Exception {
        while (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRIFT_EVERY_MILLIS) < deadline) {
            long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRIFT_EVERY_MILLIS);
            Member drifter = new Member(BROADCAST, "drifter-" + (++drifters), Role.SPEAKER,
                    through.get(drifters % through.size()).port());
            drifter.publish();
            drifter.client.send("{\"type\":\"leave\",\"id\":\"bye\"}");
            assertThat(drifter.client.awaitClose().code()).as("%s left", drifter.name).isEqualTo(1000);
            TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
        }
        TimeUnit.NANOSECONDS.sleep(deadline - System.nanoTime());
    }

    /** Starts the nodes side by side (each JVM takes seconds to start); {@code into} has those that started, to stop. */
    private static void startNodes(int count, Map<String, String> config, List<NodeProcess> into) throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(count);
        try {
            List<Future<NodeProcess>> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                started.add(starters.submit(() -> NodeProcess.start(config)));
            }
            AssertionError failed = null;
            for (Future<NodeProcess> node : started) {
                try {
                    into.add(node.get());
                } catch (ExecutionException e) {
                    failed = new AssertionError("a node did not start", e.getCause());
                }
            }
            if (failed != null) {
                throw failed;
            }
        } finally {
            starters.shutdown();
        }
    }

    private void progress(String what) {
        System.out.printf("ChaosSoakIT +%.1fs: %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    private static void assertChatInvariants(List<Member> members, List<Member> present, List<Member> witnesses,
                                             List<Member> victims, Member cut) {
        Map<String, Map<String, Long>> accepted = new HashMap<>(); // room -> text -> seq, from every member's acks
        for (Member m : members) {
            m.drain();
            for (JsonNode ack : m.acks) {
                accepted.computeIfAbsent(m.room, r -> new HashMap<>()).put(ack.path("id").asText(), ack.path("seq").asLong());
            }
        }
        for (String room : List.of(MESH, BROADCAST)) {
            long inRoom = members.stream().filter(m -> m.room.equals(room)).count();
            assertThat(accepted.getOrDefault(room, Map.of())).as("lines were accepted in %s throughout", room)
                    .hasSizeGreaterThan((int) inRoom * 10);
        }
        for (Member m : present) {
            assertExactlyOnceInOrder(m, accepted.get(m.room));
        }
        for (Member stayer : witnesses) {
            Set<String> leftForFailure = new HashSet<>();
            Set<String> leftAway = new HashSet<>();
            for (JsonNode frame : stayer.received) {
                if (frame.path("type").asText().equals("participant-left")) {
                    String reason = frame.path("reason").asText();
                    (reason.equals("node-failure") ? leftForFailure : leftAway).add(frame.path("participantId").asText());
                }
            }
            assertThat(leftForFailure).as("%s saw the killed node's participants leave", stayer.name)
                    .containsAll(victims.stream().filter(v -> v.room.equals(stayer.room)).map(v -> v.client.id()).toList());
            if (stayer.room.equals(cut.room)) {
                assertThat(leftAway).as("%s saw the cut participant leave", stayer.name).contains(cut.client.id());
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

    // ------------------------------------------------------------------ Janus's books

    /**
     * What Janus holds, asked through its Admin API, is what the live nodes' bridges say they
     * hold: one session each (a killed node's goes with its connection), with one handle for room
     * administration and one per publisher or subscription ({@code bifrost_sfu_handles}). Handles
     * still being attached or detached settle within {@link #SETTLE}; a leak never does.
     */
    private static void assertBooksBalance(JanusAdminApi janus, List<NodeProcess> live, String when) throws Exception {
        String last = "";
        long deadline = System.nanoTime() + SETTLE.toNanos();
        do {
            Map<Long, Integer> sessions = janus.handlesBySession();
            int janusHandles = sessions.values().stream().mapToInt(Integer::intValue).sum();
            int bridgeHandles = 0;
            for (NodeProcess node : live) {
                bridgeHandles += 1 + (int) node.gauge(HANDLES);
            }
            if (sessions.size() == live.size() && janusHandles == bridgeHandles) {
                return;
            }
            last = "Janus: handles by session " + sessions + "; the " + live.size() + " nodes' bridges: " + bridgeHandles
                    + " with their administration handles";
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("Janus holds other handles than the bridges " + when + " (after " + SETTLE + "): " + last);
    }

    /** After everyone left: no room left on Janus, each bridge's session holds only its administration handle. */
    private static void assertNothingLeftOnJanus(JanusAdminApi janus, List<NodeProcess> live) throws Exception {
        awaitGauge(live, HANDLES, 0, "the bridges hold no handle, as before anyone joined");
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!janus.videoRooms().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(janus.videoRooms()).as("Janus's rooms once every Bifrost room is empty").isEmpty();
        assertThat(janus.handlesBySession()).as("each bridge's session holds only its administration handle")
                .hasSize(live.size()).allSatisfy((session, handles) -> assertThat(handles).isEqualTo(1));
    }

    private static void awaitGauge(List<NodeProcess> live, String gauge, double value, String what) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        List<Double> values;
        while (true) {
            values = new ArrayList<>();
            for (NodeProcess node : live) {
                values.add(node.gauge(gauge));
            }
            if (values.stream().allMatch(v -> v == value) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(values).as("%s: %s on each live node", what, gauge).allMatch(v -> v == value);
    }

    private static void everyoneLeaves(List<Member> members) {
        for (Member m : members) {
            if (m.live) {
                m.client.sendAndForget("{\"type\":\"leave\",\"id\":\"bye\"}");
            }
        }
    }

    // ------------------------------------------------------------------ memory

    private static void sample(List<NodeProcess> nodes, Map<NodeProcess, List<ProcessMemory>> memory) throws Exception {
        for (NodeProcess node : nodes) {
            memory.computeIfAbsent(node, n -> new ArrayList<>()).add(ProcessMemory.of(node.pid()));
        }
    }

    /**
     * A node that lived through the whole soak may not grow past its first sample, taken once
     * everyone had joined and chatted for a step: its reachable heap (right after a full GC) by more
     * than {@link #HEAP_GROWTH} and {@link #HEAP_SLACK}, its threads by more than {@link #THREAD_SLACK}.
     * Past the first sample nothing a node keeps should grow with time: a room keeps its last 512
     * events, the Redis streams are capped, metrics have a fixed set of series, a client's queue is
     * bounded, the drifters leave as they came. Measured, the live heap stays within 1-2 MB of the
     * first sample (about 25 MB) and the threads within 2 of theirs (about 42): the bound is several
     * times that noise, so it does not flake, and a leak of a session's buffers per drifter, or of a
     * few hundred bytes per chat line relayed over the nightly run's tens of thousands, goes past it,
     * as does a thread per join. The resident set is printed, not checked: it grows as the JVM
     * touches more of the heap it reserved, leak or not.
     */
    private static void assertMemoryBounded(Map<NodeProcess, List<ProcessMemory>> memory) {
        memory.forEach((node, samples) -> {
            System.out.println("ChaosSoakIT: node " + node.pid() + ": " + samples);
            ProcessMemory first = samples.get(0);
            long heapBound = (long) (first.liveHeapBytes() * HEAP_GROWTH) + HEAP_SLACK;
            assertThat(samples.subList(1, samples.size())).as("node %d's samples after its first, %s (bounds: live heap %d MB,"
                            + " %d threads)", node.pid(), first, heapBound / (1024 * 1024), first.threads() + THREAD_SLACK)
                    .allSatisfy(s -> {
                        assertThat(s.liveHeapBytes()).isLessThanOrEqualTo(heapBound);
                        assertThat(s.threads()).isLessThanOrEqualTo(first.threads() + THREAD_SLACK);
                    });
        });
    }
}
