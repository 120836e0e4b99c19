package io.bifrost.sfu.janus;

import static io.bifrost.sfu.janus.JanusProtocol.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.sfu.Direction;
import io.bifrost.sfu.EndpointListener;
import io.bifrost.sfu.SfuBridge;
import io.bifrost.sfu.SfuEvent;
import io.bifrost.sfu.SfuException;
import io.bifrost.sfu.SfuException.Reason;
import io.bifrost.sfu.janus.Broadcast.EdgeCopy;
import io.bifrost.sfu.janus.Broadcast.Publisher;
import io.bifrost.sfu.janus.Broadcast.Subscriber;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SfuBridge} on Janus 1.1's VideoRoom plugin, over the Janus WebSocket API.
 *
 * <p>A room's broadcast lives on its origin, the first alive node in the room's rendezvous order.
 * Publishers always publish there. Subscribers fill the origin up to
 * {@link JanusConfig#listenersPerNode()}, then the next alive node in the order (an edge), and so
 * on; an edge receives each publisher its subscribers want as a copy forwarded from the origin
 * ({@code publish_remotely} there, {@code add_remote_publisher} on the edge). Each bridge makes the
 * copies its own subscribers need and removes them when they are no longer wanted.
 *
 * <p>All state lives on one thread of the bridge's own ("janus-bridge"); calls hop onto it, Janus's
 * replies and events are handed to it, and every result completes on it. Calls for one participant
 * in one room run one after another, in call order.
 *
 * <p>Janus's VideoRoom must run with {@code string_ids = true}: the Janus room is the Bifrost room
 * name, and publisher ids are participant ids.
 */
public final class JanusBridge implements SfuBridge {
    private static final Logger LOG = LoggerFactory.getLogger(JanusBridge.class);
    /**
     * Janus's per-room publisher limit; edge copies count too. Audio rooms have a handful of
     * speakers, so this is only a guard against a runaway client.
     */
    static final int MAX_PUBLISHERS_PER_ROOM = 100;
    /** Ports tried for one edge copy before giving up: another bridge may hold the one we picked. */
    private static final int COPY_PORT_ATTEMPTS = 5;
    /**
     * Janus answers {@code add_remote_publisher} before the publisher's thread has put it in the
     * room (it is there within milliseconds); subscribing before that fails with "no such feed".
     */
    private static final int COPY_READY_POLLS = 50;
    private static final long COPY_READY_POLL_MILLIS = 20;
    /** The mindex and mid of the one audio stream a publisher sends (an audio-only offer has just one m-line). */
    private static final int AUDIO_MINDEX = 0;
    private static final String AUDIO_MID = "0";
    /** How long {@link #onStart()} waits for the nodes to connect before returning anyway. */
    private static final Duration START_WAIT_FLOOR = Duration.ofSeconds(1);

    private final JanusConfig config;
    private final Placement placement;
    /** Names this bridge's remotizations on origins, so that two Bifrost nodes never clash there. */
    private final String bridgeId = UUID.randomUUID().toString().substring(0, 8);
    private final ScheduledExecutorService executor;
    private final Map<URI, JanusConnection> nodes = new LinkedHashMap<>();
    private final Map<String, Broadcast> broadcasts = new HashMap<>();
    /**
     * Which endpoint a handle belongs to, by node and handle id. Written on the bridge's thread
     * only; concurrent so that {@link #handleCount()} can read its size from any thread.
     */
    private final Map<String, Endpoint> handles = new ConcurrentHashMap<>();
    /**
     * Rooms known to exist on a node (created here or found there); forgotten when the node goes
     * down, and when this bridge has nothing left in the room: another bridge may destroy it then.
     */
    private final Map<URI, Set<String>> roomsOn = new HashMap<>();
    /** This bridge's subscribers per node, for the per-node cap. */
    private final Map<URI, Integer> load = new HashMap<>();
    /** The tail of each serial queue (one per participant in a room, one per edge copy). */
    private final Map<String, CompletableFuture<?>> queues = new HashMap<>();
    /** Written on the bridge's thread, read by any thread through {@link #aliveNodes()}. */
    private volatile List<URI> alive = List.of();
    private boolean stopping;

    private JanusBridge(JanusConfig config) {
        this.config = config;
        this.placement = new Placement(config.nodes());
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "janus-bridge");
            thread.setDaemon(true); // a bridge someone forgot to stop must not keep the JVM alive
            return thread;
        });
        HttpClient http = HttpClient.newBuilder().connectTimeout(config.requestTimeout()).build();
        JanusConnection.Listener listener = new NodeListener();
        for (URI node : config.nodes()) {
            nodes.put(node, new JanusConnection(node, config, executor, http, listener));
        }
    }

    /** A bridge for these nodes; {@link #onStart()} connects it. */
    public static JanusBridge create(JanusConfig config) {
        return new JanusBridge(config);
    }

    /** The nodes connected right now, in configuration order; safe from any thread. */
    public List<URI> aliveNodes() {
        return alive;
    }

    /**
     * The Janus handles this bridge holds now for publishers and subscriptions (each node's one
     * administration handle not counted); safe from any thread, for metrics.
     */
    public int handleCount() {
        return handles.size();
    }

    /**
     * How many of this bridge's subscribers each node serves now, for metrics and health pages.
     * Waits for the bridge's thread, which owns the counts.
     */
    public Map<URI, Integer> subscriberCounts() {
        return CompletableFuture.supplyAsync(() -> Map.copyOf(load), executor).join();
    }

    /** The node a room's speakers publish to now, if any is alive; every Bifrost node picks the same. */
    public Optional<URI> originOf(String room) {
        return placement.origin(room, this::isUp);
    }

    /**
     * Connects to every node and waits (up to the request timeout) until each is up or has failed
     * once; nodes that are down are retried in the background.
     */
    @Override
    public void onStart() {
        executor.execute(() -> nodes.values().forEach(JanusConnection::start));
        long deadline = System.nanoTime() + config.requestTimeout().plus(START_WAIT_FLOOR).toNanos();
        while (!nodes.values().stream().allMatch(JanusConnection::tried) && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(20));
        }
        if (alive.isEmpty()) {
            LOG.warn("no Janus node is up yet of {}; retrying in the background", config.nodes());
        } else if (alive.size() < nodes.size()) {
            LOG.warn("Janus nodes up: {} of {}; retrying the others in the background", alive, config.nodes());
        }
    }

    /**
     * Lets go of this bridge's publishers, subscribers and edge copies (within the request
     * timeout), then disconnects. The rooms stay: in a cluster the other Bifrost nodes' bridges
     * go on using them, and Janus forgets them when it restarts.
     */
    @Override
    public void onStop() {
        if (executor.isShutdown()) {
            return;
        }
        CompletableFuture<Void> done = CompletableFuture.supplyAsync(() -> {
            stopping = true;
            List<CompletableFuture<Void>> closing = new ArrayList<>();
            for (String room : new ArrayList<>(broadcasts.keySet())) {
                closing.add(release(room).exceptionally(e -> null));
            }
            return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .thenCompose(v -> CompletableFuture.allOf(nodes.values().stream()
                            .map(JanusConnection::stop).toArray(CompletableFuture[]::new)));
        }, executor).thenCompose(f -> f);
        try {
            done.get(config.requestTimeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("stopping the Janus bridge did not finish cleanly: {}", e.toString());
        }
        executor.shutdownNow();
    }

    // --- SfuBridge --------------------------------------------------------------------------

    @Override
    public CompletionStage<Void> open(String room) {
        return call("open " + room, () -> serial("room|" + room, () -> {
            JanusConnection origin = origin(room);
            return ensureRoom(origin, room).thenApply(v -> {
                Broadcast b = broadcasts.computeIfAbsent(room, Broadcast::new);
                b.opened = true;
                b.origin = origin.uri();
                return null;
            });
        }));
    }

    @Override
    public CompletionStage<Void> close(String room) {
        return call("close " + room, () -> serial("room|" + room, () -> closeNow(room)));
    }

    @Override
    public CompletionStage<String> publish(String room, String participantId, String offerSdp, EndpointListener events) {
        return call("publish " + participantId + " in " + room, () -> serial(key(room, participantId),
                () -> known(room).thenCompose(b -> publishNow(b, participantId, offerSdp, events))));
    }

    @Override
    public CompletionStage<Void> unpublish(String room, String participantId) {
        return call("unpublish " + participantId + " in " + room, () -> serial(key(room, participantId), () -> {
            Broadcast b = broadcasts.get(room);
            Publisher p = b == null ? null : b.publishers.remove(participantId);
            if (p == null) {
                return done();
            }
            List<CompletableFuture<Void>> steps = new ArrayList<>();
            steps.add(dropHandle(p.node, p.handle));
            for (EdgeCopy copy : copiesOf(b, c -> c.publisher().equals(participantId))) {
                steps.add(removeCopy(b, copy));
            }
            return allOf(steps).thenRun(() -> forgetIfIdle(b));
        }));
    }

    /**
     * Forgets a room this bridge has nothing left in. Whichever bridge sees the room empty
     * destroys it on every node, so what this one knew of it may be stale by its next use: then
     * it finds the room out (or creates it) again, one request per node.
     */
    private void forgetIfIdle(Broadcast b) {
        if (b.publishers.isEmpty() && b.subscribers.isEmpty() && b.copies.isEmpty() && broadcasts.remove(b.room, b)) {
            for (Set<String> rooms : roomsOn.values()) {
                rooms.remove(b.room);
            }
        }
    }

    @Override
    public CompletionStage<Optional<String>> subscribe(String room, String participantId, Set<String> publishers,
                                                       EndpointListener events) {
        Set<String> wanted = publishers.stream().filter(p -> !p.equals(participantId))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return call("subscribe " + participantId + " in " + room, () -> serial(key(room, participantId),
                () -> known(room).thenCompose(b -> {
                    Subscriber s = b.subscribers.computeIfAbsent(participantId, id -> new Subscriber(id, events));
                    s.events = events;
                    s.wanted = Set.copyOf(wanted);
                    return reconcile(b, s);
                })));
    }

    @Override
    public CompletionStage<Void> answer(String room, String participantId, String answerSdp) {
        return call("answer of " + participantId + " in " + room, () -> serial(key(room, participantId), () -> {
            Subscriber s = subscriber(room, participantId);
            if (s.handle == 0) {
                throw new SfuException(Reason.NOT_FOUND, participantId + " in " + room + " has no offer to answer");
            }
            return s.node.message(s.handle, JSON.createObjectNode().put("request", "start"),
                    JanusProtocol.jsep("answer", answerSdp), true).thenApply(r -> null);
        }));
    }

    @Override
    public CompletionStage<Void> unsubscribe(String room, String participantId) {
        return call("unsubscribe " + participantId + " in " + room, () -> serial(key(room, participantId), () -> {
            Broadcast b = broadcasts.get(room);
            Subscriber s = b == null ? null : b.subscribers.remove(participantId);
            if (s == null) {
                return done();
            }
            JanusConnection node = s.node;
            long handle = s.handle; // before unplace, which clears it
            unplace(s);
            return dropHandle(node, handle).thenCompose(v -> node == null ? done() : pruneCopies(b, node.uri()))
                    .thenRun(() -> forgetIfIdle(b));
        }));
    }

    @Override
    public CompletionStage<Void> trickle(String room, String participantId, Direction direction, String candidateJson) {
        return call("trickle of " + participantId + " in " + room, () -> serial(key(room, participantId), () -> {
            JsonNode candidate = JanusProtocol.trickleCandidate(candidateJson);
            JanusConnection node;
            long handle;
            if (direction == Direction.PUBLISH) {
                Publisher p = publisher(room, participantId);
                node = p.node;
                handle = p.handle;
            } else {
                Subscriber s = subscriber(room, participantId);
                node = s.node;
                handle = s.handle;
            }
            if (handle == 0) {
                throw new SfuException(Reason.NOT_FOUND, participantId + " in " + room + " has no "
                        + direction.name().toLowerCase() + " connection on the SFU");
            }
            return node.trickle(handle, candidate);
        }));
    }

    @Override
    public CompletionStage<Void> mute(String room, String participantId, boolean muted) {
        return call((muted ? "mute " : "unmute ") + participantId + " in " + room, () -> serial(key(room, participantId), () -> {
            Broadcast b = broadcasts.get(room);
            Publisher p = b == null ? null : b.publishers.get(participantId);
            String mid = p == null ? AUDIO_MID : p.audioMid;
            ObjectNode body = JSON.createObjectNode().put("request", "moderate").put("room", room)
                    .put("id", participantId).put("mid", mid).put("mute", muted);
            return origin(room).admin(body).thenApply(r -> null);
        }));
    }

    // --- publishing -------------------------------------------------------------------------

    private CompletableFuture<String> publishNow(Broadcast b, String id, String offerSdp, EndpointListener events) {
        Publisher p = b.publishers.computeIfAbsent(id, pid -> new Publisher(pid, events));
        p.events = events;
        p.audioMid = audioMid(offerSdp);
        JanusConnection origin = origin(b.room);
        if (p.handle != 0 && p.node == origin) {
            // renegotiation (an ICE restart, say) on the same handle: the publisher stays, and so do its subscribers
            return p.node.message(p.handle, JSON.createObjectNode().put("request", "configure").put("audio", true),
                    JanusProtocol.jsep("offer", offerSdp), true)
                    .thenApply(reply -> answerOf(reply, b, id))
                    .thenCompose(answer -> reissueCopies(b, id).thenApply(v -> answer));
        }
        CompletableFuture<Void> stale = dropHandle(p.node, p.handle);
        p.node = null;
        p.handle = 0;
        b.origin = origin.uri();
        return stale.thenCompose(v -> ensureRoom(origin, b.room))
                .thenCompose(v -> origin.attach("pub:" + id))
                .thenCompose(handle -> {
                    p.node = origin;
                    p.handle = handle;
                    handles.put(handleKey(origin, handle), new Endpoint(b.room, id, Direction.PUBLISH));
                    return joinAsPublisher(origin, handle, b.room, id, offerSdp, true);
                })
                .whenComplete((answer, failure) -> {
                    if (failure != null && p.handle != 0 && b.publishers.get(id) == p) {
                        dropHandle(p.node, p.handle);
                        p.node = null;
                        p.handle = 0;
                    }
                })
                .thenApply(answer -> {
                    offerPublisher(b, id);
                    return answer;
                });
    }

    /**
     * Gives this bridge's subscribers that want the publisher (and wait for it, or lost it with a
     * node) the publisher now: after it published, and again once its media is up.
     */
    private void offerPublisher(Broadcast b, String publisher) {
        b.subscribers.values().stream().filter(s -> s.wanted.contains(publisher) && !s.feeds.contains(publisher))
                .forEach(s -> serial(key(b.room, s.id), () -> reconcile(b, s)).whenComplete((offer, failure) -> {
                    if (failure != null) {
                        LOG.warn("{}: cannot give {} the publisher {}: {}", b.room, s.id, publisher,
                                JanusProtocol.unwrap(failure).getMessage());
                    } else {
                        offer.ifPresent(sdp -> tell(s.events, new SfuEvent.Offer(sdp)));
                    }
                }));
    }

    private CompletableFuture<String> joinAsPublisher(JanusConnection origin, long handle, String room, String id,
                                                      String offerSdp, boolean kickStale) {
        ObjectNode body = JSON.createObjectNode().put("request", "joinandconfigure").put("ptype", "publisher")
                .put("room", room).put("id", id).put("audio", true).put("video", false);
        return origin.message(handle, body, JanusProtocol.jsep("offer", offerSdp), true)
                .thenApply(reply -> answerOf(reply, broadcasts.get(room), id))
                .exceptionallyCompose(failure -> {
                    if (kickStale && JanusProtocol.isJanusError(failure, JanusException.ID_EXISTS)) {
                        // a publisher of the same id is left over (a handle of a bridge that lost its session): replace it
                        LOG.info("{}: replacing a stale publisher {} on {}", room, id, origin.uri());
                        ObjectNode kick = JSON.createObjectNode().put("request", "kick").put("room", room).put("id", id);
                        return origin.admin(kick).handle((r, e) -> null)
                                .thenCompose(v -> joinAsPublisher(origin, handle, room, id, offerSdp, false));
                    }
                    return CompletableFuture.failedFuture(failure);
                });
    }

    private static String answerOf(JanusConnection.Reply reply, Broadcast b, String id) {
        return JanusProtocol.sdp(reply.message(), "answer").orElseThrow(() -> new SfuException(Reason.REFUSED,
                "Janus answered the offer of " + id + " in " + (b == null ? "?" : b.room) + " without an SDP: " + reply.data()));
    }

    /** The mid of the offer's audio m-line; browsers use "0" for the first one. */
    static String audioMid(String sdp) {
        boolean inAudio = false;
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=")) {
                inAudio = line.startsWith("m=audio");
            } else if (inAudio && line.startsWith("a=mid:")) {
                return line.substring("a=mid:".length()).strip();
            }
        }
        return AUDIO_MID;
    }

    // --- subscribing ------------------------------------------------------------------------

    /**
     * Brings a subscription in line with what it wants: places it if it has no node, makes the edge
     * copies it needs, and joins or updates it on Janus. Returns Janus's new offer, if any.
     */
    private CompletableFuture<Optional<String>> reconcile(Broadcast b, Subscriber s) {
        if (b.subscribers.get(s.id) != s) {
            return CompletableFuture.completedFuture(Optional.empty()); // unsubscribed meanwhile
        }
        JanusConnection origin = origin(b.room);
        if (s.node == null || !s.node.isUp()) {
            unplace(s);
            URI target = placement.subscriberNode(b.room, this::isUp, n -> load.getOrDefault(n, 0), config.listenersPerNode())
                    .orElseThrow(() -> noNode(s.id + " in " + b.room));
            if (load.getOrDefault(target, 0) >= config.listenersPerNode()) {
                LOG.warn("{}: every alive Janus node has {} subscribers or more; {} goes to the least loaded, {}",
                        b.room, config.listenersPerNode(), s.id, target);
            }
            s.node = nodes.get(target);
            load.merge(target, 1, Integer::sum);
        }
        JanusConnection node = s.node;
        boolean edge = node != origin;
        return ensureRoom(node, b.room)
                .thenCompose(v -> publishersOn(origin, b.room))
                .thenCompose(present -> {
                    LOG.debug("{}: {} wants {}; publishers on the origin {}: {}", b.room, s.id, s.wanted, origin.uri(), present);
                    Set<String> available = new LinkedHashSet<>(s.wanted);
                    available.removeIf(p -> edge ? !present.containsKey(p) : !present.getOrDefault(p, false));
                    if (!edge) {
                        return CompletableFuture.completedFuture(available);
                    }
                    List<CompletableFuture<Optional<String>>> copies = new ArrayList<>();
                    for (String publisher : available) {
                        copies.add(ensureCopy(b, publisher, origin, node).handle((copy, failure) -> {
                            if (failure != null) {
                                LOG.warn("{}: cannot forward {} to edge {}: {}", b.room, publisher, node.uri(),
                                        JanusProtocol.unwrap(failure).getMessage());
                                return Optional.empty();
                            }
                            return Optional.of(publisher);
                        }));
                    }
                    return allOf(copies).thenApply(x -> copies.stream().map(CompletableFuture::join)
                            .flatMap(Optional::stream).collect(Collectors.toCollection(LinkedHashSet::new)));
                })
                .thenCompose(feeds -> applyFeeds(b, s, node, feeds))
                .thenCompose(offer -> pruneCopies(b, node.uri()).thenApply(v -> offer));
    }

    private CompletableFuture<Optional<String>> applyFeeds(Broadcast b, Subscriber s, JanusConnection node, Set<String> feeds) {
        if (s.node != node || b.subscribers.get(s.id) != s) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (s.handle == 0) {
            if (feeds.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.empty()); // joined once there is a publisher
            }
            return node.attach("sub:" + s.id).thenCompose(handle -> {
                s.handle = handle;
                handles.put(handleKey(node, handle), new Endpoint(b.room, s.id, Direction.SUBSCRIBE));
                ObjectNode join = JSON.createObjectNode().put("request", "join").put("ptype", "subscriber")
                        .put("room", b.room);
                join.set("streams", feedList(feeds));
                return node.message(handle, join, null, true);
            }).thenApply(reply -> offerOf(s, reply));
        }
        Set<String> add = new LinkedHashSet<>(feeds);
        add.removeAll(s.feeds);
        Set<String> remove = new LinkedHashSet<>(s.feeds);
        remove.removeAll(feeds);
        if (add.isEmpty() && remove.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        ObjectNode update = JSON.createObjectNode().put("request", "update");
        if (!add.isEmpty()) {
            update.set("subscribe", feedList(add));
        }
        if (!remove.isEmpty()) {
            update.set("unsubscribe", feedList(remove));
        }
        return node.message(s.handle, update, null, true).thenApply(reply -> offerOf(s, reply));
    }

    private static Optional<String> offerOf(Subscriber s, JanusConnection.Reply reply) {
        updateFeeds(s, reply.data());
        Optional<String> offer = JanusProtocol.subscriberOffer(reply.message());
        if (offer.isEmpty()) {
            LOG.debug("{}: Janus changed the subscription without an offer: {}", s.id, reply.message());
        }
        return offer;
    }

    private static ArrayNode feedList(Set<String> feeds) {
        ArrayNode list = JSON.createArrayNode();
        feeds.forEach(feed -> list.addObject().put("feed", feed));
        return list;
    }

    /** Takes the subscription's streams from a Janus event, where it lists them. */
    private static void updateFeeds(Subscriber s, JsonNode data) {
        JsonNode streams = data.path("streams");
        if (!streams.isArray()) {
            return;
        }
        s.feeds.clear();
        for (JsonNode stream : streams) {
            if (stream.path("active").asBoolean(true) && stream.hasNonNull("feed_id")) {
                s.feeds.add(stream.path("feed_id").asText());
            }
        }
    }

    /**
     * The room's publishers on a node, remote ones included: each id with whether its media is
     * up. Janus lets subscribers have only publishers whose media is up, but forwards to an edge
     * any publisher that has joined (its copy there counts as up at once).
     */
    private CompletableFuture<Map<String, Boolean>> publishersOn(JanusConnection node, String room) {
        return node.admin(JSON.createObjectNode().put("request", "listparticipants").put("room", room))
                .thenApply(data -> {
                    Map<String, Boolean> ids = new HashMap<>();
                    for (JsonNode participant : data.path("participants")) {
                        ids.put(participant.path("id").asText(), participant.path("publisher").asBoolean());
                    }
                    return ids;
                });
    }

    private void unplace(Subscriber s) {
        if (s.node != null) {
            load.computeIfPresent(s.node.uri(), (n, count) -> count > 1 ? count - 1 : null);
            handles.remove(handleKey(s.node, s.handle));
        }
        s.node = null;
        s.handle = 0;
        s.feeds.clear();
    }

    // --- cascading --------------------------------------------------------------------------

    /** Makes sure the edge has a copy of the publisher, forwarded from the origin. */
    private CompletableFuture<EdgeCopy> ensureCopy(Broadcast b, String publisher, JanusConnection origin, JanusConnection edge) {
        String key = Broadcast.copyKey(publisher, edge.uri());
        return serial("copy|" + b.room + "|" + key, () -> {
            EdgeCopy existing = b.copies.get(key);
            if (existing != null && existing.origin().equals(origin.uri())) {
                return CompletableFuture.completedFuture(existing);
            }
            return addRemotePublisher(b.room, publisher, edge, 1).thenCompose(added -> {
                if (added.isEmpty()) {
                    // another bridge already forwards this publisher to this edge: share its copy
                    EdgeCopy shared = new EdgeCopy(publisher, origin.uri(), edge.uri(), null, 0, false);
                    b.copies.put(key, shared);
                    return CompletableFuture.completedFuture(shared);
                }
                int port = added.get();
                String remoteId = remoteId(edge);
                return awaitParticipant(edge, b.room, publisher, COPY_READY_POLLS)
                        .thenCompose(v -> publishRemotely(origin, b.room, publisher, remoteId, edge, port))
                        .handle((v, failure) -> {
                            if (failure != null) {
                                edge.admin(removeRemotePublisher(b.room, publisher)).exceptionally(e -> null);
                                throw JanusProtocol.toSfu(failure, "publish_remotely " + publisher + " to " + edge.uri());
                            }
                            EdgeCopy copy = new EdgeCopy(publisher, origin.uri(), edge.uri(), remoteId, port, true);
                            b.copies.put(key, copy);
                            LOG.info("{}: forwarding {} from {} to edge {} (port {})", b.room, publisher, origin.uri(), edge.uri(), port);
                            return copy;
                        });
            });
        });
    }

    private CompletableFuture<Void> awaitParticipant(JanusConnection node, String room, String id, int polls) {
        return publishersOn(node, room).thenCompose(present -> {
            if (present.containsKey(id)) {
                return done();
            }
            if (polls <= 1) {
                return CompletableFuture.failedFuture(new SfuException(Reason.REFUSED,
                        "the copy of " + id + " did not appear in " + room + " on " + node.uri()));
            }
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(COPY_READY_POLL_MILLIS, TimeUnit.MILLISECONDS, executor))
                    .thenCompose(v -> awaitParticipant(node, room, id, polls - 1));
        });
    }

    /** The port the edge opened, or empty if the remote publisher already exists there. */
    private CompletableFuture<Optional<Integer>> addRemotePublisher(String room, String publisher, JanusConnection edge, int attempt) {
        int port = pickPort();
        ObjectNode body = JSON.createObjectNode().put("request", "add_remote_publisher").put("room", room)
                .put("id", publisher).put("port", port);
        putAdminKey(body);
        body.putArray("streams").addObject().put("type", "audio").put("mindex", AUDIO_MINDEX).put("mid", AUDIO_MID)
                .put("codec", "opus");
        return edge.admin(body).thenApply(data -> Optional.of(data.path("port").asInt(port)))
                .exceptionallyCompose(failure -> {
                    if (JanusProtocol.isJanusError(failure, JanusException.ID_EXISTS)) {
                        return CompletableFuture.completedFuture(Optional.empty());
                    }
                    if (JanusProtocol.isJanusError(failure, JanusException.UNKNOWN_ERROR) && attempt < COPY_PORT_ATTEMPTS) {
                        return addRemotePublisher(room, publisher, edge, attempt + 1); // most likely the port was taken
                    }
                    return CompletableFuture.failedFuture(failure);
                });
    }

    private CompletableFuture<Void> publishRemotely(JanusConnection origin, String room, String publisher, String remoteId,
                                                    JanusConnection edge, int port) {
        ObjectNode body = JSON.createObjectNode().put("request", "publish_remotely").put("room", room)
                .put("publisher_id", publisher).put("remote_id", remoteId).put("host", edge.uri().getHost())
                .put("port", port);
        putAdminKey(body);
        return origin.admin(body).thenApply(r -> null);
    }

    /** After a renegotiation the origin's forwarders may point at streams that were replaced: set them up anew. */
    private CompletableFuture<Void> reissueCopies(Broadcast b, String publisher) {
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        for (EdgeCopy copy : copiesOf(b, c -> c.publisher().equals(publisher) && c.owned())) {
            JanusConnection origin = nodes.get(copy.origin());
            JanusConnection edge = nodes.get(copy.edge());
            steps.add(origin.admin(unpublishRemotely(b.room, publisher, copy.remoteId())).handle((r, e) -> null)
                    .thenCompose(v -> publishRemotely(origin, b.room, publisher, copy.remoteId(), edge, copy.port()))
                    .exceptionally(e -> {
                        LOG.warn("{}: cannot forward {} to {} again: {}", b.room, publisher, copy.edge(), e.toString());
                        return null;
                    }));
        }
        return allOf(steps);
    }

    /** Removes the copies on an edge that none of this bridge's subscribers there wants any more. */
    private CompletableFuture<Void> pruneCopies(Broadcast b, URI edge) {
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        for (EdgeCopy copy : copiesOf(b, c -> c.edge().equals(edge) && !b.wanted(c.publisher(), edge))) {
            steps.add(removeCopy(b, copy));
        }
        return allOf(steps);
    }

    /** Undoes a copy on both sides, as far as the nodes are up; a copy another bridge made is only forgotten. */
    private CompletableFuture<Void> removeCopy(Broadcast b, EdgeCopy copy) {
        String key = Broadcast.copyKey(copy.publisher(), copy.edge());
        return serial("copy|" + b.room + "|" + key, () -> {
            if (b.copies.get(key) != copy) {
                return done();
            }
            b.copies.remove(key);
            if (!copy.owned()) {
                return done();
            }
            LOG.info("{}: no longer forwarding {} to edge {}", b.room, copy.publisher(), copy.edge());
            JanusConnection origin = nodes.get(copy.origin());
            JanusConnection edge = nodes.get(copy.edge());
            CompletableFuture<Void> unforward = origin.isUp()
                    ? origin.admin(unpublishRemotely(b.room, copy.publisher(), copy.remoteId())).handle((r, e) -> null)
                    : done();
            return unforward.thenCompose(v -> edge.isUp()
                    ? edge.admin(removeRemotePublisher(b.room, copy.publisher())).handle((r, e) -> null)
                    : done());
        });
    }

    private ObjectNode unpublishRemotely(String room, String publisher, String remoteId) {
        ObjectNode body = JSON.createObjectNode().put("request", "unpublish_remotely").put("room", room)
                .put("publisher_id", publisher).put("remote_id", remoteId);
        putAdminKey(body);
        return body;
    }

    private ObjectNode removeRemotePublisher(String room, String publisher) {
        ObjectNode body = JSON.createObjectNode().put("request", "remove_remote_publisher").put("room", room)
                .put("id", publisher);
        putAdminKey(body);
        return body;
    }

    private String remoteId(JanusConnection edge) {
        return "bifrost-" + bridgeId + "-" + edge.uri().getHost() + "-" + edge.uri().getPort();
    }

    /** A port from the range that none of this bridge's copies uses; Janus says so if another process has it. */
    private int pickPort() {
        Set<Integer> used = broadcasts.values().stream().flatMap(b -> b.copies.values().stream())
                .map(EdgeCopy::port).collect(Collectors.toSet());
        JanusConfig.PortRange range = config.rtpPortRange();
        int start = ThreadLocalRandom.current().nextInt(range.size());
        for (int i = 0; i < range.size(); i++) {
            int port = range.min() + (start + i) % range.size();
            if (!used.contains(port)) {
                return port;
            }
        }
        throw new SfuException(Reason.UNAVAILABLE, "all " + range.size() + " ports of " + range + " carry edge copies");
    }

    private List<EdgeCopy> copiesOf(Broadcast b, java.util.function.Predicate<EdgeCopy> which) {
        return b.copies.values().stream().filter(which).toList();
    }

    // --- rooms ------------------------------------------------------------------------------

    private CompletableFuture<Broadcast> known(String room) {
        Broadcast b = broadcasts.get(room);
        if (b != null) {
            return CompletableFuture.completedFuture(b);
        }
        JanusConnection origin = origin(room);
        if (roomsOn.getOrDefault(origin.uri(), Set.of()).contains(room)) {
            return CompletableFuture.completedFuture(learn(room, origin));
        }
        return origin.admin(JSON.createObjectNode().put("request", "exists").put("room", room)).thenApply(data -> {
            if (!data.path("exists").asBoolean()) {
                throw new SfuException(Reason.NOT_FOUND, "no broadcast for room " + room + " on " + origin.uri());
            }
            roomsOn.computeIfAbsent(origin.uri(), n -> new HashSet<>()).add(room);
            return learn(room, origin);
        });
    }

    private Broadcast learn(String room, JanusConnection origin) {
        Broadcast b = broadcasts.computeIfAbsent(room, Broadcast::new);
        if (b.origin == null) {
            b.origin = origin.uri();
        }
        return b;
    }

    private CompletableFuture<Void> ensureRoom(JanusConnection node, String room) {
        Set<String> rooms = roomsOn.computeIfAbsent(node.uri(), n -> new HashSet<>());
        if (rooms.contains(room)) {
            return done();
        }
        ObjectNode create = JSON.createObjectNode().put("request", "create").put("room", room)
                .put("description", room).put("audiocodec", "opus").put("publishers", MAX_PUBLISHERS_PER_ROOM)
                .put("notify_joining", false).put("permanent", false);
        putAdminKey(create);
        return node.admin(create).handle((data, failure) -> {
            if (failure != null && !JanusProtocol.isJanusError(failure, JanusException.ROOM_EXISTS)) {
                throw JanusProtocol.toSfu(failure, "create room " + room + " on " + node.uri());
            }
            if (node.isUp()) {
                rooms.add(room);
            }
            return null;
        });
    }

    private CompletableFuture<Void> closeNow(String room) {
        return release(room).thenCompose(v -> destroyRooms(room));
    }

    /** Drops this bridge's endpoints and copies in the room, and forgets the broadcast. */
    private CompletableFuture<Void> release(String room) {
        Broadcast b = broadcasts.remove(room);
        List<CompletableFuture<Void>> steps = new ArrayList<>();
        if (b != null) {
            for (Publisher p : b.publishers.values()) {
                steps.add(dropHandle(p.node, p.handle));
            }
            for (Subscriber s : b.subscribers.values()) {
                JanusConnection node = s.node;
                long handle = s.handle;
                unplace(s);
                steps.add(dropHandle(node, handle));
            }
            for (EdgeCopy copy : List.copyOf(b.copies.values())) {
                steps.add(removeCopy(b, copy));
            }
        }
        return allOf(steps);
    }

    /**
     * Destroys the room on every node that is up, whichever bridge created it there: the room
     * is closed once nobody is in it, cluster-wide, and its edges were made by any bridge.
     */
    private CompletableFuture<Void> destroyRooms(String room) {
        List<CompletableFuture<Void>> destroys = new ArrayList<>();
        for (JanusConnection node : nodes.values()) {
            roomsOn.getOrDefault(node.uri(), new HashSet<>()).remove(room);
            if (node.isUp()) {
                ObjectNode destroy = JSON.createObjectNode().put("request", "destroy").put("room", room)
                        .put("permanent", false);
                putAdminKey(destroy);
                destroys.add(node.admin(destroy).handle((r, e) -> {
                    if (e != null && !JanusProtocol.isJanusError(e, JanusException.NO_SUCH_ROOM)) {
                        LOG.warn("{}: cannot destroy the room on {}: {}", room, node.uri(), JanusProtocol.unwrap(e).getMessage());
                    }
                    return null;
                }));
            }
        }
        return allOf(destroys);
    }

    private void putAdminKey(ObjectNode body) {
        if (config.adminKey() != null) {
            body.put("admin_key", config.adminKey());
        }
    }

    // --- nodes coming and going -------------------------------------------------------------

    private JanusConnection origin(String room) {
        return placement.origin(room, this::isUp).map(nodes::get).orElseThrow(() -> noNode("room " + room));
    }

    /** Why no node can serve: all down (UNAVAILABLE), or all refusing our api secret (REFUSED, a configuration error). */
    private SfuException noNode(String what) {
        String reasons = nodes.values().stream().map(n -> n.uri() + ": " + n.lastFailure()).collect(Collectors.joining("; "));
        boolean refused = nodes.values().stream().allMatch(JanusConnection::refusedSecret);
        return refused
                ? new SfuException(Reason.REFUSED, "every Janus node refused the api secret, so none can take " + what + " (" + reasons + ")")
                : new SfuException(Reason.UNAVAILABLE, "no Janus node is up for " + what + " (" + reasons + ")");
    }

    private boolean isUp(URI node) {
        return nodes.get(node).isUp();
    }

    private final class NodeListener implements JanusConnection.Listener {
        @Override
        public void onUp(JanusConnection node) {
            refreshAlive();
            roomsOn.remove(node.uri()); // a new session on a node that was down: the rooms there may be gone
            if (stopping) {
                return;
            }
            // The origin is the first alive node in each room's order, on every Bifrost node alike; a node
            // coming back that ranks first takes its broadcasts back, or nodes would disagree on the origin.
            for (Broadcast b : new ArrayList<>(broadcasts.values())) {
                URI origin = placement.origin(b.room, JanusBridge.this::isUp).orElseThrow();
                if (b.origin != null && !origin.equals(b.origin)) {
                    moveOrigin(b, "broadcast moved back to " + origin);
                }
            }
        }

        @Override
        public void onDown(JanusConnection node, String reason) {
            refreshAlive();
            roomsOn.remove(node.uri());
            handles.keySet().removeIf(k -> k.startsWith(node.uri() + "#"));
            if (stopping) {
                return;
            }
            if (alive.isEmpty()) {
                giveUpEverything("no Janus node is up (" + node.uri() + ": " + reason + ")");
                return;
            }
            String why = "Janus " + node.uri() + " is down: " + reason;
            for (Broadcast b : new ArrayList<>(broadcasts.values())) {
                if (node.uri().equals(b.origin)) {
                    moveOrigin(b, why);
                }
                for (EdgeCopy copy : copiesOf(b, c -> c.edge().equals(node.uri()))) {
                    removeCopy(b, copy);
                }
                for (Subscriber s : List.copyOf(b.subscribers.values())) {
                    if (s.node == node) {
                        unplace(s);
                        moveSubscriber(b, s, why);
                    }
                }
            }
        }

        @Override
        public void onHandleEvent(JanusConnection node, long handle, JsonNode message) {
            Endpoint endpoint = handles.get(handleKey(node, handle));
            Broadcast b = endpoint == null ? null : broadcasts.get(endpoint.room());
            if (b == null) {
                return;
            }
            if (endpoint.direction() == Direction.PUBLISH) {
                Publisher p = b.publishers.get(endpoint.participant());
                if (p != null && p.handle == handle) {
                    JanusProtocol.endpointEvent(message, Direction.PUBLISH).ifPresent(e -> tell(p.events, e));
                    if ("webrtcup".equals(message.path("janus").asText())) {
                        offerPublisher(b, p.id);
                    }
                }
                return;
            }
            Subscriber s = b.subscribers.get(endpoint.participant());
            if (s == null || s.handle != handle) {
                return;
            }
            if ("event".equals(message.path("janus").asText())) {
                // Janus renegotiates on its own when a publisher the subscriber receives goes away
                updateFeeds(s, JanusProtocol.pluginData(message));
                JanusProtocol.subscriberOffer(message).ifPresent(sdp -> tell(s.events, new SfuEvent.Offer(sdp)));
                return;
            }
            JanusProtocol.endpointEvent(message, Direction.SUBSCRIBE).ifPresent(e -> tell(s.events, e));
        }
    }

    /**
     * The broadcast's origin changed: its publishers here must publish again (their handles are
     * gone or on the wrong node), copies from the old origin are removed, and the room is made on
     * the new origin. Subscribers get their publishers back as those republish.
     */
    private void moveOrigin(Broadcast b, String why) {
        JanusConnection origin = origin(b.room);
        URI old = b.origin;
        b.origin = origin.uri();
        LOG.warn("{}: origin moves from {} to {} ({})", b.room, old, origin.uri(), why);
        for (Publisher p : b.publishers.values()) {
            if (p.handle != 0 && p.node != origin) {
                handles.remove(handleKey(p.node, p.handle));
                dropHandle(p.node, p.handle);
                p.node = null;
                p.handle = 0;
                tell(p.events, new SfuEvent.RepublishNeeded(why));
            }
        }
        for (EdgeCopy copy : copiesOf(b, c -> c.origin().equals(old))) {
            removeCopy(b, copy);
        }
        ensureRoom(origin, b.room).whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("{}: cannot make the room on the new origin {}: {}", b.room, origin.uri(), e.getMessage());
            }
        });
        // subscribers on the old origin were moved by onDown; the others drop the lost publishers
        // when Janus renegotiates them, and get them back through reconcile when they republish
    }

    private void moveSubscriber(Broadcast b, Subscriber s, String why) {
        serial(key(b.room, s.id), () -> reconcile(b, s)).whenComplete((offer, failure) -> {
            if (failure != null) {
                SfuException e = JanusProtocol.toSfu(failure, "moving " + s.id + " in " + b.room);
                LOG.warn("{}: cannot move subscriber {}: {}", b.room, s.id, e.getMessage());
                if (b.subscribers.remove(s.id, s)) {
                    JanusConnection node = s.node;
                    long handle = s.handle; // before unplace, which clears it
                    unplace(s);
                    dropHandle(node, handle); // a handle the failed move left on a node that is up goes too
                    tell(s.events, new SfuEvent.Unavailable(Direction.SUBSCRIBE, why + "; " + e.getMessage()));
                }
            } else if (offer.isPresent()) {
                LOG.info("{}: subscriber {} moved to {}", b.room, s.id, s.node.uri());
                tell(s.events, new SfuEvent.Offer(offer.get()));
            }
        });
    }

    private void giveUpEverything(String why) {
        LOG.error("{}: every endpoint of this bridge is lost", why);
        for (Broadcast b : broadcasts.values()) {
            b.copies.clear();
            b.origin = null;
            for (Publisher p : b.publishers.values()) {
                tell(p.events, new SfuEvent.Unavailable(Direction.PUBLISH, why));
            }
            for (Subscriber s : b.subscribers.values()) {
                unplace(s);
                tell(s.events, new SfuEvent.Unavailable(Direction.SUBSCRIBE, why));
            }
            b.publishers.clear();
            b.subscribers.clear();
        }
        load.clear();
        handles.clear();
    }

    private void refreshAlive() {
        alive = nodes.values().stream().filter(JanusConnection::isUp).map(JanusConnection::uri).toList();
    }

    // --- helpers ----------------------------------------------------------------------------

    /** Runs a call on the bridge's thread and reports its failure as an {@link SfuException}. */
    private <T> CompletionStage<T> call(String what, Supplier<CompletableFuture<T>> op) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                CompletableFuture<T> started;
                try {
                    started = op.get();
                } catch (RuntimeException e) {
                    started = CompletableFuture.failedFuture(e);
                }
                started.whenComplete((value, failure) -> {
                    if (failure == null) {
                        result.complete(value);
                    } else {
                        result.completeExceptionally(JanusProtocol.toSfu(failure, what));
                    }
                });
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new SfuException(Reason.UNAVAILABLE, what + ": the Janus bridge is stopped"));
        }
        return result;
    }

    /** Runs {@code op} after everything queued under {@code key} has finished, on the bridge's thread. */
    private <T> CompletableFuture<T> serial(String key, Supplier<CompletableFuture<T>> op) {
        CompletableFuture<?> tail = queues.getOrDefault(key, CompletableFuture.completedFuture(null));
        CompletableFuture<T> result = tail.handle((r, e) -> null).thenCompose(v -> op.get());
        queues.put(key, result);
        result.whenComplete((r, e) -> queues.remove(key, result));
        return result;
    }

    private CompletableFuture<Void> dropHandle(JanusConnection node, long handle) {
        if (node == null || handle == 0) {
            return done();
        }
        handles.remove(handleKey(node, handle));
        return node.isUp() ? node.detach(handle).handle((r, e) -> null) : done();
    }

    private Publisher publisher(String room, String id) {
        Broadcast b = broadcasts.get(room);
        Publisher p = b == null ? null : b.publishers.get(id);
        if (p == null) {
            throw new SfuException(Reason.NOT_FOUND, id + " does not publish in " + room + " through this bridge");
        }
        return p;
    }

    private Subscriber subscriber(String room, String id) {
        Broadcast b = broadcasts.get(room);
        Subscriber s = b == null ? null : b.subscribers.get(id);
        if (s == null) {
            throw new SfuException(Reason.NOT_FOUND, id + " has no subscription in " + room + " through this bridge");
        }
        return s;
    }

    private static void tell(EndpointListener events, SfuEvent event) {
        try {
            events.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("an endpoint listener failed on {}: {}", event, e.toString());
        }
    }

    private static String key(String room, String participant) {
        return "p|" + room + "|" + participant;
    }

    private static String handleKey(JanusConnection node, long handle) {
        return node.uri() + "#" + handle;
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private static CompletableFuture<Void> allOf(List<? extends CompletableFuture<?>> steps) {
        return CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Janus", e);
        }
    }

    // --- introspection for tests and health checks --------------------------------------------

    /** Which node carries a participant's publisher or subscription, if any. */
    CompletableFuture<Optional<URI>> nodeOf(String room, String participant, Direction direction) {
        return CompletableFuture.supplyAsync(() -> {
            Broadcast b = broadcasts.get(room);
            if (b == null) {
                return Optional.<URI>empty();
            }
            JanusConnection node = direction == Direction.PUBLISH
                    ? Optional.ofNullable(b.publishers.get(participant)).map(p -> p.node).orElse(null)
                    : Optional.ofNullable(b.subscribers.get(participant)).map(s -> s.node).orElse(null);
            return Optional.ofNullable(node).map(JanusConnection::uri);
        }, executor);
    }

    /** An endpoint's handle, for routing Janus's events about it. */
    private record Endpoint(String room, String participant, Direction direction) {}
}
