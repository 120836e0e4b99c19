package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.AdminGrants;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * A bounded chaos soak: three node processes on one Redis and one Janus, each with a crew of its
 * own in a mesh room and a broadcast room chatting across them (the broadcast's speakers publishing
 * to Janus, drifters joining it, publishing and leaving all along). Every step of about
 * {@link #STEP} ends in a fault drawn at random: a node drawn at random killed (SIGKILL) and a new
 * one started with a new crew, Redis paused, Janus killed and started again, or a participant drawn
 * at random cut off for good. Each kind comes once in the first steps, in a random order; the rest
 * are drawn freely. The seed is printed, and {@code -Dbifrost.soakSeed} draws the same faults again.
 * Checked along the way and at the end:
 * <ul>
 *   <li>every chat line a node accepted (acked) reached every participant present for it exactly
 *       once, in the room's order: those present to the end every line after they joined, those
 *       killed or cut every line up to the last they got;
 *   <li>a killed node's participants leave everywhere with {@code node-failure}, a cut one once its
 *       resume window ran out, seen by everyone present; at the end each room's participants, asked
 *       of every node over REST, are exactly the participants still connected;
 *   <li>after Janus comes back, every node's bridge has a session with it again and every speaker's
 *       new offer is answered;
 *   <li>Janus, asked through its Admin API, holds exactly the handles the nodes' bridges say they
 *       hold ({@code bifrost_sfu_handles}, plus each session's administration handle), and once
 *       everyone has left, no room and no endpoint handle at all, the gauges back at 0;
 *   <li>each node's reachable heap and threads do not grow past a bound (see {@link #assertMemoryBounded}).
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
    /** A fault about this often: the suite's 60 s have six steps (five faults), a nightly 600 s sixty. */
    private static final Duration STEP = Duration.ofSeconds(10);
    private static final long SEED = Long.getLong("bifrost.soakSeed", System.nanoTime());
    private static final String HANDLES = "bifrost_sfu_handles";
    private static final String NODES_UP = "bifrost_sfu_nodes_up";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One participant: where it is connected, what it sent and had accepted, and while it is live. */
    private static final class Member {
        final String name;
        final String room;
        final NodeProcess node;
        final WsClient client;
        final long joinSeq;
        volatile boolean live = true;
        int sent;
        int offers;
        final List<JsonNode> received = new ArrayList<>();
        final List<JsonNode> acks = new ArrayList<>();

        Member(String room, String name, Role role, NodeProcess node) throws Exception {
            this.name = name;
            this.room = room;
            this.node = node;
            RoomMode mode = room.equals(BROADCAST) ? RoomMode.BROADCAST : RoomMode.MESH;
            String token = ISSUER.issue(TokenRequest.builder(room, name).role(role).roomMode(mode).build());
            this.client = WsClient.connect(URI.create("ws://127.0.0.1:" + node.port() + "/rtc?access_token="
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

        /**
         * Waits until those of {@code gone} in this member's room have left, with {@code reason} (any when null):
         * within {@link #SETTLE}, which covers a dead node's claim (about 5 s, more after a Redis pause).
         */
        void awaitLeft(List<Member> gone, String reason) throws InterruptedException {
            Set<String> waiting = new HashSet<>(gone.stream().filter(m -> m.room.equals(room)).map(m -> m.client.id()).toList());
            for (JsonNode frame : received) {
                if (isLeave(frame, reason)) {
                    waiting.remove(frame.path("participantId").asText());
                }
            }
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (!waiting.isEmpty()) {
                assertThat(System.nanoTime()).as("%s waiting for %s to leave (%s)", name, waiting, reason).isLessThan(deadline);
                JsonNode frame = client.next();
                keep(frame);
                if (isLeave(frame, reason)) {
                    waiting.remove(frame.path("participantId").asText());
                }
            }
        }

        private static boolean isLeave(JsonNode frame, String reason) {
            return frame.path("type").asText().equals("participant-left")
                    && (reason == null || reason.equals(frame.path("reason").asText()));
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
    private int crews;
    private long started;
    private Random random;
    private RedisFixture redis;
    private JanusFixture janus;
    private JanusAdminApi janusAdmin;
    private Map<String, String> config;
    private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>(); // every node started, to stop
    private final List<NodeProcess> live = new CopyOnWriteArrayList<>();
    private final Map<NodeProcess, Long> upSince = new ConcurrentHashMap<>();
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final Map<NodeProcess, List<ProcessMemory>> memory = new HashMap<>();

    @Test
    void chatStaysExactlyOnceAndJanusHoldsNoMoreThanTheBridgesThroughKillsPausesRestartsAndCuts() {
        assertTimeoutPreemptively(LENGTH.plus(OVERHEAD), this::soak);
    }

    private void soak() throws Exception {
        started = System.nanoTime();
        random = new Random(SEED);
        progress("faults drawn with seed " + SEED + " (-Dbifrost.soakSeed=" + SEED + " draws them again)");
        String apiSecret = JanusFixture.newSecret("api");
        String adminKey = JanusFixture.newSecret("admin");
        try (RedisFixture redis = RedisFixture.start(); JanusFixture janus = JanusFixture.start(apiSecret, adminKey)) {
            this.redis = redis;
            this.janus = janus;
            janusAdmin = janus.adminApi();
            config = new HashMap<>();
            config.put("BIFROST_REDIS_URL", redis.url());
            config.put("BIFROST_ROOMS_RESUME_WINDOW", "2s");
            config.put("BIFROST_LIMITS_MESSAGES_PER_SECOND", "100");
            config.put("BIFROST_SFU_JANUS", janus.wsUri().toString());
            config.put("BIFROST_SFU_API_SECRET", apiSecret);
            config.put("BIFROST_SFU_ADMIN_KEY", adminKey);
            config.put("BIFROST_SFU_PING_INTERVAL", "1s"); // a Janus that went away is noticed within seconds
            config.put("BIFROST_SFU_PING_TIMEOUT", "3s");
            ScheduledExecutorService chatter = Executors.newSingleThreadScheduledExecutor();
            try {
                progress("Redis and Janus up");
                startNodes(3, config, nodes);
                for (NodeProcess node : nodes) {
                    live.add(node);
                    upSince.put(node, System.nanoTime());
                }
                progress("three nodes up");
                assertBooksBalance(janusAdmin, live, "before anyone joined");
                awaitGauge(live, NODES_UP, 1, "each node's bridge has its Janus session");
                for (NodeProcess node : nodes) {
                    crew(node, node == nodes.get(0));
                }
                assertBooksBalance(janusAdmin, live, "three speakers publishing");
                progress("everyone joined, three speakers publish");
                chatter.scheduleAtFixedRate(() -> members.forEach(Member::chat), 0, SEND_EVERY_MILLIS, TimeUnit.MILLISECONDS);

                // Steps of drifters, each but the last ended by a fault; what a fault and its checks take is inside its step.
                int steps = (int) Math.max(6, LENGTH.toSeconds() / STEP.toSeconds());
                List<Fault> faults = faults(steps - 1);
                progress("faults to come: " + faults);
                long begun = System.nanoTime();
                long step = LENGTH.toNanos() / steps;
                for (int i = 0; i < steps; i++) {
                    driftUntil(begun + (i + 1) * step, List.copyOf(live));
                    sample(step);
                    if (i < faults.size()) {
                        inject(faults.get(i));
                    }
                }
                chatter.shutdown();
                assertThat(chatter.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(3000); // the last lines arrive
                sample(step);

                progress("chat stopped, " + drifters + " drifters came and went");
                assertChatInvariants();
                assertRostersAreTheLiveMembers();
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

    private enum Fault { KILL_NODE, PAUSE_REDIS, RESTART_JANUS, CUT_CLIENT }

    /** Every kind once, in a random order, then kinds at random: a short soak still has each, a long one many. */
    private List<Fault> faults(int count) {
        List<Fault> faults = new ArrayList<>(List.of(Fault.values()));
        Collections.shuffle(faults, random);
        while (faults.size() < count) {
            faults.add(Fault.values()[random.nextInt(Fault.values().length)]);
        }
        return faults.subList(0, Math.min(count, faults.size()));
    }

    private void inject(Fault fault) throws Exception {
        switch (fault) {
            case KILL_NODE -> killANode();
            case PAUSE_REDIS -> {
                redis.pause(Duration.ofSeconds(2));
                progress("Redis paused for 2 s");
            }
            case RESTART_JANUS -> restartJanus();
            case CUT_CLIENT -> cutAClient();
        }
    }

    /** Two mesh speakers and a broadcast speaker (the first crew's a host) on a node, the broadcast one publishing. */
    private void crew(NodeProcess node, boolean host) throws Exception {
        int crew = ++crews;
        members.add(new Member(MESH, "mesh-" + crew + "a", Role.SPEAKER, node));
        members.add(new Member(MESH, "mesh-" + crew + "b", Role.SPEAKER, node));
        Member speaker = new Member(BROADCAST, "radio-" + crew, host ? Role.HOST : Role.SPEAKER, node);
        members.add(speaker);
        speaker.publish();
    }

    /**
     * SIGKILL to a node drawn at random: everyone present elsewhere sees its participants leave
     * with {@code node-failure}, Janus loses its session with it; then a new node starts with a crew of its own.
     */
    private void killANode() throws Exception {
        NodeProcess doomed = live.get(random.nextInt(live.size()));
        List<Member> victims = liveMembers(m -> m.node == doomed);
        List<Member> witnesses = liveMembers(m -> m.node != doomed);
        victims.forEach(v -> v.live = false);
        doomed.kill();
        live.remove(doomed);
        for (Member witness : witnesses) {
            witness.awaitLeft(victims, "node-failure");
        }
        assertBooksBalance(janusAdmin, live, "after a node was killed");
        progress("node " + doomed.pid() + " killed with " + names(victims) + "; everyone else saw them leave");

        NodeProcess replacement = NodeProcess.start(config);
        nodes.add(replacement);
        live.add(replacement);
        upSince.put(replacement, System.nanoTime());
        crew(replacement, false);
        assertBooksBalance(janusAdmin, live, "after a new node joined");
        progress("node " + replacement.pid() + " started with a crew");
    }

    /** Janus killed and started: every publishing speaker is told, every bridge gets a new session, every speaker publishes again. */
    private void restartJanus() throws Exception {
        List<Member> speakers = liveMembers(m -> m.room.equals(BROADCAST));
        janus.restart(); // every session, handle and room on it is gone
        for (Member speaker : speakers) {
            speaker.awaitSfuUnavailable();
        }
        awaitGauge(live, NODES_UP, 1, "every bridge has a new Janus session");
        for (Member speaker : speakers) {
            speaker.publishAgain(); // a working SFU endpoint again
        }
        assertBooksBalance(janusAdmin, live, "after Janus restarted and the speakers published again");
        progress("Janus restarted, " + names(speakers) + " publish again");
    }

    /**
     * A participant drawn at random loses its connection for good: the others see it leave once its
     * resume window ends. A new crew joins on a node drawn at random, so that the rooms stay as full.
     */
    private void cutAClient() throws Exception {
        List<Member> candidates = liveMembers(m -> true);
        Member cut = candidates.get(random.nextInt(candidates.size()));
        cut.live = false;
        cut.client.close();
        for (Member witness : liveMembers(m -> true)) {
            witness.awaitLeft(List.of(cut), null);
        }
        assertBooksBalance(janusAdmin, live, "after a connection was cut");
        crew(live.get(random.nextInt(live.size())), false);
        progress(cut.name + "'s connection cut; everyone else saw it leave; a new crew joined");
    }

    private List<Member> liveMembers(Predicate<Member> which) {
        return members.stream().filter(m -> m.live && which.test(m)).toList();
    }

    private static List<String> names(List<Member> members) {
        return members.stream().map(m -> m.name).toList();
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
                    through.get(drifters % through.size()));
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

    /**
     * Every line a node accepted reached every member present for it once, in the room's order:
     * those present to the end every line after they joined; those whose node was killed or whose
     * connection was cut every line from their join up to the last they got, with no gap.
     */
    private void assertChatInvariants() {
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
        for (Member m : members) {
            assertExactlyOnceInOrder(m, accepted.get(m.room));
        }
    }

    /** Every line accepted while the member was there reached it once, and its lines come in seq order. */
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
        long until = member.live ? Long.MAX_VALUE : seqs.isEmpty() ? member.joinSeq : seqs.get(seqs.size() - 1);
        List<String> missing = new ArrayList<>();
        accepted.forEach((text, seq) -> {
            if (seq > member.joinSeq && seq <= until && !times.containsKey(text)) {
                missing.add(text + "@" + seq);
            }
        });
        assertThat(missing).as("accepted lines %s never got while it was there", member.name).isEmpty();
    }

    /** No participant is left behind: each room's participants, asked over REST, are the members still live. */
    private void assertRostersAreTheLiveMembers() throws Exception {
        String admin = ISSUER.issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
        for (String room : List.of(MESH, BROADCAST)) {
            List<String> expected = names(liveMembers(m -> m.room.equals(room)));
            for (NodeProcess node : live) {
                HttpResponse<String> reply = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                                + "/api/v1/rooms/" + room + "/participants")).header("Authorization", "Bearer " + admin).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(reply.statusCode()).as("the participants of %s", room).isEqualTo(200);
                List<String> identities = new ArrayList<>();
                JSON.readTree(reply.body()).path("participants").forEach(p -> identities.add(p.path("identity").asText()));
                assertThat(identities).as("the participants of %s, asked of node %d", room, node.pid())
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
        }
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

    /** Samples the live nodes that have been up for a step at least: their crews joined and chatted for a while. */
    private void sample(long step) throws Exception {
        for (NodeProcess node : live) {
            if (System.nanoTime() - upSince.get(node) >= step) {
                memory.computeIfAbsent(node, n -> new ArrayList<>()).add(ProcessMemory.of(node.pid()));
            }
        }
    }

    /**
     * A node may not grow past its first sample, taken once it had been up for a step with its
     * crew joined and chatting: its reachable heap (right after a full GC) by more
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
