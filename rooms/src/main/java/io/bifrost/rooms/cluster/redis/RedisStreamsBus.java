package io.bifrost.rooms.cluster.redis;

import io.bifrost.rooms.cluster.BusMetrics;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.RoomFeed;
import io.bifrost.rooms.cluster.RoomFeeds;
import io.bifrost.rooms.cluster.RoomListener;
import io.bifrost.rooms.cluster.Signal;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.rooms.room.RoomException;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster bus on Redis Streams. A room's events are appended to the room's stream by the
 * script that makes them (so the stream has the room's one order), then copied to the inbox
 * stream of every node that holds a participant of the room. Signals go straight to the
 * recipient's node's inbox. Each node reads only its own inbox, with one blocking reader that
 * keeps its last entry id: a Redis hiccup delays delivery but loses nothing. The room feeds put
 * events in {@code seq} order, drop redeliveries, and read gaps back from the room's stream.
 * See docs/adr/0001-cluster-bus-on-redis-streams.md.
 */
public final class RedisStreamsBus implements ClusterBus {
    private static final Logger log = LoggerFactory.getLogger(RedisStreamsBus.class);
    /** Below the command timeout, so a blocked read is never mistaken for a dead connection. */
    private static final long READ_BLOCK_MILLIS = 2000;
    /** Entries taken per read: enough to catch up quickly after a hiccup, bounded for memory. */
    private static final int READ_BATCH = 512;
    /**
     * An inbox is trimmed behind its reader, so this cap only matters for a node that stopped
     * reading without being declared dead: it bounds what Redis keeps for it.
     */
    private static final long INBOX_CAP = 100_000;
    /** Trim the inbox after this many reads rather than after each: trimming costs a round trip. */
    private static final int TRIM_EVERY_READS = 64;
    /** A failing reader waits this long before trying again, so a Redis outage is not a busy loop. */
    private static final long READ_RETRY_MILLIS = 200;
    /** A signal whose recipient moved is forwarded once; a second miss means it left. */
    private static final int MAX_HOPS = 1;
    /**
     * Signal ids an inbox reader remembers. Lettuce sends a command again when its connection
     * broke before the reply, so a signal can reach an inbox twice, a moment apart; it is told
     * by its id. Room events need none of this: their feeds drop what they saw by seq.
     */
    private static final int RECENT_SIGNALS = 4096;

    private final RedisLink link;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String nodeId;
    private final long streamCap;
    private final BusMetrics metrics;
    private final EventCodec codec = new EventCodec();
    private final ScheduledExecutorService timer;
    private final RoomFeeds feeds;
    private final Map<String, Consumer<Signal>> inboxes = new ConcurrentHashMap<>();
    private final AtomicLong signalIds = new AtomicLong();
    private final Set<String> recentSignals = recentSignals(); // the reader thread's only
    private final Thread reader;
    private volatile boolean running = true;

    /**
     * @param streamCap the room events each room's stream keeps, for resume and gap repair
     * @param historyLimit the room events each room's feed keeps in memory
     */
    public RedisStreamsBus(RedisLink link, String nodeId, long streamCap, int historyLimit, BusMetrics metrics) {
        this.link = link;
        this.redis = link.commands();
        this.nodeId = nodeId;
        this.streamCap = streamCap;
        this.metrics = metrics;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bifrost-bus-timer"));
        this.feeds = new RoomFeeds(room -> new RoomFeed(room, historyLimit, this::history, timer, metrics));
        this.reader = daemon(this::readInbox, "bifrost-inbox-reader");
    }

    public String nodeId() {
        return nodeId;
    }

    public RedisStreamsBus start() {
        reader.start();
        return this;
    }

    @Override
    public Subscription subscribe(String room, long afterSeq, RoomListener listener) {
        return feeds.subscribe(room, afterSeq, listener);
    }

    @Override
    public Subscription registerInbox(String participantId, Consumer<Signal> inbox) {
        Consumer<Signal> entry = inbox::accept; // its own identity, so closing a replaced one keeps its successor
        inboxes.put(participantId, entry);
        return () -> inboxes.remove(participantId, entry);
    }

    @Override
    public int rooms() {
        return feeds.count();
    }

    @Override
    public boolean hasRoom(String room) {
        return feeds.has(room);
    }

    @Override
    public void close() {
        running = false;
        reader.interrupt();
        timer.shutdownNow();
        feeds.clear();
        inboxes.clear();
    }

    // ------------------------------------------------------------------ used by RedisRooms

    RedisLink link() {
        return link;
    }

    RedisClusterAsyncCommands<String, String> redis() {
        return redis;
    }

    EventCodec codec() {
        return codec;
    }

    long streamCap() {
        return streamCap;
    }

    RoomFeed hold(String room) {
        return feeds.hold(room);
    }

    void release(String room, RoomFeed feed) {
        feeds.release(room, feed);
    }

    /** Gives an event its script just wrote to this node's feed and to every other node holding the room. */
    void fanOut(RoomEvent event, String json, List<?> nodes) {
        String now = Long.toString(System.currentTimeMillis());
        for (Object node : nodes) {
            if (!nodeId.equals(node)) {
                // The room's stream already holds the event: a failed copy is repaired by the
                // other node's feed once the room's next event shows the gap.
                redis.xadd(Keys.inbox((String) node), inboxCap(),
                        "k", "e", "room", event.room(), "seq", Long.toString(event.seq()), "e", json, "t", now)
                        .whenComplete((id, failure) -> {
                            if (failure != null) {
                                log.warn("{}: event {} could not be copied to node {}: {}", event.room(), event.seq(),
                                        node, failure.toString());
                            }
                        });
                metrics.published("event");
            }
        }
        // The copies go first: they have a network hop ahead of them, and the local fan-out to a
        // large room takes milliseconds they would otherwise wait behind.
        RoomFeed local = feeds.get(event.room());
        if (local != null) {
            local.offer(event);
            local.flush();
        }
    }

    /**
     * Sends a signal to the node of its recipient.
     *
     * @return null when handed over, or why not
     */
    CompletionStage<RoomException> relay(Signal signal) {
        return route(signal, true, 0);
    }

    /**
     * Sends a message from the room, not from a participant, to the node of its recipient.
     *
     * @return null when handed over, or why not
     */
    CompletionStage<RoomException> deliver(Signal signal) {
        return route(signal, false, 0);
    }

    // ------------------------------------------------------------------ signals

    private CompletionStage<RoomException> route(Signal signal, boolean checkSender, int hops) {
        String[] keys = Keys.roomKeys(signal.room());
        return RoomScripts.ROUTE.<List<Object>>run(redis, ScriptOutputType.MULTI, keys,
                checkSender ? signal.from() : "", signal.to()).thenApply(answer -> {
            String verdict = (String) answer.get(0);
            if (verdict.equals("sender-gone")) {
                return CompletableFuture.completedFuture(new RoomException(RoomException.Kind.FORBIDDEN,
                        "participant " + signal.from() + " is no longer in room " + signal.room()));
            }
            if (verdict.equals("not-found")) {
                return CompletableFuture.completedFuture(new RoomException(RoomException.Kind.NOT_FOUND,
                        "no participant " + signal.to() + " in room " + signal.room()));
            }
            return send((String) answer.get(1), signal, hops).thenApply(sent -> (RoomException) null);
        }).thenCompose(outcome -> outcome);
    }

    /** Sends a signal to a node's inbox, or hands it to this node's inbox at once. */
    CompletionStage<?> send(String node, Signal signal, int hops) {
        if (node.equals(nodeId)) {
            receive(signal, hops);
            return CompletableFuture.completedFuture(null);
        }
        List<Object> fields = new ArrayList<>(List.of("k", "s", "id", nodeId + "/" + signalIds.incrementAndGet(),
                "room", signal.room(), "from", signal.from(), "to",
                signal.to(), "kind", signal.kind().name(), "hops", Integer.toString(hops),
                "t", Long.toString(System.currentTimeMillis())));
        if (signal.body() != null) {
            fields.add("body");
            fields.add(signal.body());
        }
        metrics.published("signal");
        return redis.xadd(Keys.inbox(node), inboxCap(), fields.toArray());
    }

    private void receive(Signal signal, int hops) {
        Consumer<Signal> inbox = inboxes.get(signal.to());
        if (inbox != null) {
            inbox.accept(signal);
            return;
        }
        if (!signal.kind().control() && hops < MAX_HOPS) {
            // The recipient's session moved to another node (resumed there) after the sender looked it up.
            route(signal, false, hops + 1).whenComplete((refusal, failure) -> {
                if (refusal != null || failure != null) {
                    metrics.lost("signal", 1);
                }
            });
            return;
        }
        if (!signal.kind().control()) {
            metrics.lost("signal", 1);
            log.info("{}: a {} from {} to {} found no recipient on this node and was dropped", signal.room(),
                    signal.kind().name().toLowerCase(Locale.ROOT), signal.from(), signal.to());
        }
    }

    // ------------------------------------------------------------------ the inbox reader

    private void readInbox() {
        RedisClusterCommands<String, String> blocking = link.blockingConnection();
        String inbox = Keys.inbox(nodeId);
        String lastId = "0-0"; // the inbox is this node's own and new: read it from the start
        int reads = 0;
        while (running) {
            try {
                List<StreamMessage<String, String>> batch = blocking.xread(
                        XReadArgs.Builder.block(READ_BLOCK_MILLIS).count(READ_BATCH), // a fresh args object per call
                        XReadArgs.StreamOffset.from(inbox, lastId));
                Set<RoomFeed> offered = new HashSet<>();
                for (StreamMessage<String, String> message : batch) {
                    lastId = message.getId();
                    dispatch(message.getBody(), offered);
                }
                // One flush per room and read: a burst read at once leaves in one write per connection.
                offered.forEach(RoomFeed::flush);
                if (!batch.isEmpty() && ++reads % TRIM_EVERY_READS == 0) {
                    redis.xtrim(inbox, new XTrimArgs().minId(lastId).approximateTrimming());
                }
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                log.warn("Reading this node's inbox failed, retrying: {}", e.toString());
                pause();
            }
        }
    }

    private void dispatch(Map<String, String> entry, Set<RoomFeed> offered) {
        try {
            long lag = System.currentTimeMillis() - Long.parseLong(entry.getOrDefault("t", "0"));
            if ("e".equals(entry.get("k"))) {
                metrics.delivered("event", lag);
                String room = entry.get("room");
                RoomFeed feed = feeds.get(room);
                if (feed != null) {
                    feed.offer(codec.decode(room, Long.parseLong(entry.get("seq")), entry.get("e")));
                    offered.add(feed);
                }
            } else if ("s".equals(entry.get("k"))) {
                String id = entry.get("id"); // none from a node of an earlier version, during a rolling upgrade
                if (id != null && !recentSignals.add(id)) {
                    metrics.duplicate("signal");
                    return;
                }
                metrics.delivered("signal", lag);
                receive(new Signal(entry.get("room"), entry.get("from"), entry.get("to"),
                        Signal.Kind.valueOf(entry.get("kind")), entry.get("body")), Integer.parseInt(entry.get("hops")));
            }
        } catch (RuntimeException e) {
            log.error("Dropped an inbox entry that could not be handled: {}", new HashMap<>(entry).keySet(), e);
        }
    }

    private CompletionStage<List<RoomEvent>> history(String room, long fromSeq, long toSeq) {
        CompletableFuture<List<RoomEvent>> result = new CompletableFuture<>();
        redis.xrange(Keys.events(room), Range.create(fromSeq + "-0", toSeq + "-0")).whenComplete((messages, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            try {
                List<RoomEvent> events = new ArrayList<>(messages.size());
                for (StreamMessage<String, String> message : messages) {
                    long seq = Long.parseLong(message.getId().substring(0, message.getId().indexOf('-')));
                    events.add(codec.decode(room, seq, message.getBody().get("e")));
                }
                result.complete(events);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static Set<String> recentSignals() {
        return Collections.newSetFromMap(new LinkedHashMap<>(RECENT_SIGNALS * 2, 0.75f) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > RECENT_SIGNALS;
            }
        });
    }

    private XAddArgs inboxCap() {
        return XAddArgs.Builder.maxlen(INBOX_CAP).approximateTrimming();
    }

    private void pause() {
        try {
            Thread.sleep(READ_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
