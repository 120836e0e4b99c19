package io.bifrost.bench.load;

import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One IO thread: a selector over its share of the connections, the publishers' send schedule and
 * the keepalives, and the tally of what its connections received. Everything it owns is touched
 * by its thread only; the run hands it connections and the schedule through a queue and a
 * volatile field.
 */
final class IoLoop implements WsConnection.Sink {
    /** The selector wakes at least this often, to notice a new schedule or the stop. */
    private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long KEEPALIVE_SCAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int SCRATCH_BYTES = 64 * 1024;

    /** How joins go, told to the run that waits for them. */
    interface Progress {
        void joined(WsConnection connection);

        void failed(WsConnection connection, String reason);
    }

    private final Target target;
    private final long origin;
    private final int publisherCount;
    private final Progress progress;
    private final Selector selector;
    private final Thread thread;
    private final ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES);
    private final Queue<WsConnection> incoming = new ConcurrentLinkedQueue<>();
    private final List<WsConnection> connections = new ArrayList<>();
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

    /** Opens a connection on this loop; its join is reported through {@link Progress}. */
    void connect(int index, String identity, int publisherIndex, InetSocketAddress address, String upgradeTarget) {
        WsConnection connection = new WsConnection(index, identity, publisherIndex, address, upgradeTarget, this, scratch);
        connection.seen = new BitSet[publisherCount];
        incoming.add(connection);
        selector.wakeup();
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
            for (WsConnection connection : connections) {
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
                connection.open(selector);
            } catch (IOException e) {
                connection.close("connect failed: " + e.getMessage());
            }
        }
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
        switch (target.classify(buf, offset, length, connection)) {
            case CHAT -> onChat(connection, buf, offset, length, receivedAt);
            case JOINED -> {
                if (connection.state() != WsConnection.State.JOINED) {
                    connection.markJoined();
                    connection.nextKeepaliveAt = receivedAt + target.keepaliveIntervalNanos();
                    progress.joined(connection);
                }
            }
            case REFUSED -> connection.close("refused: " + text(buf, offset, length));
            case ERROR -> {
                tally.errors++;
                if (tally.firstError == null) {
                    tally.firstError = text(buf, offset, length);
                }
            }
            case OTHER -> {
                // acks, pongs, other participants joining
            }
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
        if (!joined) {
            progress.failed(connection, reason);
            return;
        }
        tally.disconnects++;
        if (tally.firstDisconnect == null) {
            tally.firstDisconnect = connection.identity + ": " + reason;
        }
    }

    private static String text(byte[] buf, int offset, int length) {
        return new String(buf, offset, Math.min(length, 300), StandardCharsets.UTF_8);
    }
}
