package io.bifrost.bench.load;

import io.bifrost.bench.protocol.ResumePoint;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One IO thread: a selector over its share of the connections, the publishers' send schedule and
 * the keepalives, and the tally of what its connections received. Everything it owns is touched
 * by its thread only; the run hands it connections, tasks and the schedule through queues and a
 * volatile field.
 *
 * <p>When told to {@linkplain #resumeOn resume}, a participant whose connection drops connects
 * again at once to the next server node and takes its session back, as a client SDK would.
 */
final class IoLoop implements WsConnection.Sink {
    /** The selector wakes at least this often, to notice a new schedule or the stop. */
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long KEEPALIVE_SCAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SCRATCH_BYTES = 64 * 1024;
    /**
     * Between a resuming participant's attempts after the first, which is made at once: a node
     * that just died refuses at once, and a client should not hammer the next one.
     */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * How the participants fare, told to the run on the IO thread that owns the connection, so
     * that a run may answer frames from here (on that connection or another of the same loop).
     */
    interface Progress {
        /** The participant joined for the first time. */
        void joined(WsConnection connection);

        /** The participant's connection closed before it ever joined. */
        void failed(WsConnection connection, String reason);

        /**
         * A participant whose connection dropped is back: {@code resumed} it took its session
         * back, or else it joined afresh as a new participant.
         */
        default void back(WsConnection connection, boolean resumed) {}

        /** A frame that is not a chat, after the loop handled it (a join, an ack, a relayed signal). */
        default void frame(WsConnection connection, Target.Inbound kind, byte[] buf, int offset, int length, long receivedAt) {}

        /** A joined participant's connection closed, and will not be opened again. */
        default void closed(WsConnection connection, String reason) {}
    }

    private final Target target;
    private final long origin;
    private final int publisherCount;
    private final Progress progress;
    private final Selector selector;
    private final Thread thread;
    private final ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES);
    private final Queue<WsConnection> incoming = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Retry> retries = new PriorityQueue<>();
    private final List<WsConnection> connections = new ArrayList<>();
    /** Closed for good, to be dropped from the lists between two rounds (not while they are walked). */
    private final Set<WsConnection> gone = new HashSet<>();
    private final List<WsConnection> publishers = new ArrayList<>();
    private final byte[] keepalive;
    private final Tally tally = new Tally();
    private final byte[] chatPrefix;
    private final byte[] chatSuffix;
    private final int payloadBytes;

    private volatile Schedule schedule;
    private volatile boolean running = true;
    private Schedule installed;
    private long nextKeepaliveScan;
    /** The server nodes a dropped participant resumes on; null when dropped participants stay gone. */
    private List<InetSocketAddress> resumeOn;

    IoLoop(int number, Target target, long origin, int publisherCount, int payloadBytes, Progress progress) throws IOException {
        this.target = target;
        this.origin = origin;
        this.publisherCount = publisherCount;
        this.payloadBytes = payloadBytes;
        this.progress = progress;
        this.keepalive = target.keepalive();
        this.chatPrefix = target.chatPrefix();
        this.chatSuffix = target.chatSuffix();
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "bench-io-" + number);
    }

    void start() {
        thread.start();
    }

    /**
     * Makes participants whose connection drops come back: each connects again, to the node after
     * its last one in {@code endpoints}, and resumes its session. Call before {@link #start}.
     */
    void resumeOn(List<InetSocketAddress> endpoints) {
        this.resumeOn = List.copyOf(endpoints);
    }

    /**
     * Opens a connection on this loop, from any thread; its join is reported through
     * {@link Progress}.
     *
     * @param source the loopback address to connect from, or null for the kernel's choice
     */
    WsConnection connect(WsConnection.Participant participant, InetSocketAddress address, InetAddress source) {
        WsConnection connection = new WsConnection(participant, address, source, this, scratch);
        connection.seen = new BitSet[publisherCount];
        if (resumeOn != null) {
            connection.resume = new ResumePoint();
        }
        incoming.add(connection);
        selector.wakeup();
        return connection;
    }

    /** Runs {@code task} on this loop's thread, soon; from any thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Says goodbye to a participant and forgets it, without telling the run; on this loop's thread. */
    void release(WsConnection connection) {
        connection.shutdown();
        forget(connection);
    }

    /** Lets the publishers go. */
    void begin(Schedule schedule) {
        this.schedule = schedule;
        selector.wakeup();
    }

    /** Stops the thread, which closes its connections; the tally is final afterwards. */
    Tally stop() throws InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(10));
        return tally;
    }

    private void run() {
        try {
            while (running) {
                openIncoming();
                if (!gone.isEmpty()) {
                    connections.removeIf(gone::contains);
                    publishers.removeIf(gone::contains);
                    gone.clear();
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                long now = System.nanoTime();
                long wait = serviceTimers(now);
                // Milliseconds rounded up: waking a little late costs send lag (measured), waking early would spin.
                selector.select(Math.max(1, (wait + 999_999) / 1_000_000));
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    handle(key);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (WsConnection connection : List.copyOf(connections)) {
                connection.close("the IO thread failed: " + e);
            }
        } finally {
            for (WsConnection connection : connections) {
                connection.shutdown();
            }
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void openIncoming() {
        WsConnection connection;
        while ((connection = incoming.poll()) != null) {
            connections.add(connection);
            if (connection.isPublisher()) {
                publishers.add(connection);
            }
            try {
                connection.open(selector, connection.participant.upgradeTarget());
            } catch (IOException e) {
                connection.close("connect failed: " + e.getMessage());
            }
        }
    }

    private void forget(WsConnection connection) {
        gone.add(connection);
    }

    private static void handle(SelectionKey key) {
        WsConnection connection = (WsConnection) key.attachment();
        try {
            if (key.isValid() && key.isConnectable()) {
                connection.onConnectable();
            }
            if (key.isValid() && key.isWritable()) {
                connection.onWritable();
            }
            if (key.isValid() && key.isReadable()) {
                connection.onReadable();
            }
        } catch (IOException e) {
            connection.close(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Sends what is due; returns the nanoseconds until something else is. */
    private long serviceTimers(long now) {
        long next = now + MAX_WAIT_NANOS;
        while (!retries.isEmpty() && retries.peek().at <= now) {
            reopen(retries.poll().connection);
        }
        if (!retries.isEmpty()) {
            next = Math.min(next, retries.peek().at);
        }
        Schedule current = schedule;
        if (current != installed) {
            install(current);
        }
        if (current != null && now < current.windowEnd()) {
            for (WsConnection publisher : publishers) {
                WsConnection.Publishing publishing = publisher.publishing;
                if (publishing == null || publisher.state() != WsConnection.State.JOINED) {
                    continue;
                }
                // Catch up after a stall rather than skip: the count sent must follow the schedule.
                while (publishing.nextSendAt <= now && publishing.nextSendAt < current.windowEnd()) {
                    publish(publisher, publishing, current);
                    publishing.nextSendAt += current.intervalNanos();
                }
                next = Math.min(next, publishing.nextSendAt);
            }
        }
        if (keepalive != null && now >= nextKeepaliveScan) {
            for (WsConnection connection : connections) {
                if (connection.state() == WsConnection.State.JOINED && now >= connection.nextKeepaliveAt) {
                    connection.sendText(keepalive);
                    connection.nextKeepaliveAt = now + target.keepaliveIntervalNanos();
                }
            }
            nextKeepaliveScan = now + KEEPALIVE_SCAN_NANOS;
        }
        if (keepalive != null) {
            next = Math.min(next, nextKeepaliveScan);
        }
        return next - now;
    }

    /**
     * Gives each publisher its frame and first send time. Publisher i of P starts i/P of an
     * interval late, so that the room's messages are spread evenly rather than sent in bursts.
     */
    private void install(Schedule current) {
        installed = current;
        for (WsConnection publisher : publishers) {
            long phase = current.intervalNanos() * publisher.publisherIndex / publisherCount;
            publisher.publishing = new WsConnection.Publishing(chatPrefix,
                    Payload.template(publisher.publisherIndex, payloadBytes), chatSuffix, current.publishFrom() + phase);
        }
    }

    private void publish(WsConnection publisher, WsConnection.Publishing publishing, Schedule current) {
        // The payload carries the actual send time, so latency is the server's and the network's;
        // the generator's own lateness against its schedule is measured apart, as send lag.
        long sentAt = System.nanoTime();
        Payload.stamp(publishing.text, publishing.payloadAt, publishing.seq, sentAt - origin);
        publisher.sendText(publishing.text, 0, publishing.text.length);
        publishing.seq++;
        if (current.inWindow(sentAt)) {
            tally.sent++;
            Tally.record(tally.sendLag, sentAt - publishing.nextSendAt);
        }
    }

    @Override
    public void onText(WsConnection connection, byte[] buf, int offset, int length, long receivedAt) {
        Target.Inbound kind = target.classify(buf, offset, length, connection);
        switch (kind) {
            case CHAT -> onChat(connection, buf, offset, length, receivedAt);
            case JOINED, RESUMED -> {
                onJoined(connection, kind == Target.Inbound.RESUMED, receivedAt);
                progress.frame(connection, kind, buf, offset, length, receivedAt);
            }
            case REFUSED -> connection.close("refused: " + text(buf, offset, length));
            case ERROR -> {
                tally.errors++;
                if (tally.firstError == null) {
                    tally.firstError = connection.identity + ": " + text(buf, offset, length);
                }
                progress.frame(connection, kind, buf, offset, length, receivedAt);
            }
            // acks, pongs, other participants joining, relayed signals
            case OTHER -> progress.frame(connection, kind, buf, offset, length, receivedAt);
        }
    }

    private void onJoined(WsConnection connection, boolean resumed, long receivedAt) {
        if (connection.state() == WsConnection.State.JOINED) {
            return;
        }
        boolean comeback = connection.everJoined;
        connection.markJoined();
        connection.nextKeepaliveAt = receivedAt + target.keepaliveIntervalNanos();
        if (comeback) {
            progress.back(connection, resumed);
        } else {
            Tally.record(tally.joinLatency, receivedAt - connection.openedAt);
            progress.joined(connection);
        }
    }

    private void onChat(WsConnection connection, byte[] buf, int offset, int length, long receivedAt) {
        int at = Payload.find(buf, offset, offset + length);
        int publisher = at < 0 ? -1 : Payload.publisher(buf, at);
        long seq = at < 0 ? -1 : Payload.seq(buf, at);
        long sent = at < 0 ? -1 : Payload.sentNanos(buf, at);
        if (publisher < 0 || publisher >= publisherCount || seq < 0 || seq > Integer.MAX_VALUE || sent < 0) {
            tally.malformed++;
            return;
        }
        long sentAt = origin + sent;
        Schedule current = schedule;
        if (current == null || !current.inWindow(sentAt)) {
            return; // warm-up traffic
        }
        BitSet seen = connection.seen[publisher];
        if (seen == null) {
            seen = new BitSet();
            connection.seen[publisher] = seen;
        }
        if (seen.get((int) seq)) {
            tally.duplicates++;
            return;
        }
        seen.set((int) seq);
        tally.deliveries++;
        Tally.record(tally.latency, receivedAt - sentAt);
    }

    @Override
    public void onClosed(WsConnection connection, boolean joined, String reason) {
        if (joined && !connection.leaving) {
            tally.disconnects++;
            if (tally.firstDisconnect == null) {
                tally.firstDisconnect = connection.identity + ": " + reason;
            }
        }
        if (resumeOn != null && running && connection.everJoined && !connection.leaving) {
            // Dropped, or a comeback attempt failed: at once the first time, then after a pause.
            retries.add(new Retry(joined ? System.nanoTime() : System.nanoTime() + RETRY_NANOS, connection));
            return;
        }
        forget(connection);
        if (joined) {
            progress.closed(connection, reason);
        } else if (!connection.everJoined) {
            progress.failed(connection, reason);
        }
    }

    /** A dropped participant connects to the node after its last one, asking for its session back. */
    private void reopen(WsConnection connection) {
        int last = resumeOn.indexOf(connection.address());
        InetSocketAddress next = resumeOn.get((last + 1) % resumeOn.size());
        try {
            connection.reopen(selector, next, target.resumeTarget(connection.participant.upgradeTarget(), connection.resume));
        } catch (IOException e) {
            connection.close("reconnect failed: " + e.getMessage());
        }
    }

    /** A participant's next attempt to come back, at a System.nanoTime. */
    private record Retry(long at, WsConnection connection) implements Comparable<Retry> {
        @Override
        public int compareTo(Retry other) {
            return Long.compare(at, other.at);
        }
    }

    private static String text(byte[] buf, int offset, int length) {
        return new String(buf, offset, Math.min(length, 300), StandardCharsets.UTF_8);
    }
}
