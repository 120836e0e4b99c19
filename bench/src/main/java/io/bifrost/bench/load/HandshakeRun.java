package io.bifrost.bench.load;

import io.bifrost.bench.proc.ProcessSample;
import io.bifrost.bench.protocol.Signaling;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Scenario 4, signaling handshakes: starts a pair of participants on schedule, {@code rate} a
 * second, each pair in a room of its own. The caller sends its offer and candidates as soon as it
 * knows the callee's id (from its {@code joined}, or the callee's join later), the callee answers
 * with its answer and candidates on the offer, and each side leaves once it received everything and
 * every signal it sent was acknowledged. The schedule does not wait for the server: a pair's time
 * counts from when it was due.
 */
public final class HandshakeRun {
    /** Between the loops' start and the first pair. */
    private static final long START_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How often the run looks whether the last pairs are done, during the drain. */
    private static final long DRAIN_POLL_MILLIS = 20;

    private final HandshakeConfig config;
    private final Target target;
    private final Signaling signaling;
    private final PrintStream log;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Counted pairs that completed or failed: the drain ends when all have. */
    private final AtomicInteger settled = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private volatile long windowStart;
    private volatile long windowEnd;

    public HandshakeRun(HandshakeConfig config, Target target, PrintStream log) {
        this.config = config;
        this.target = target;
        this.signaling = target.signaling();
        this.log = log;
    }

    public HandshakeResult run() throws IOException, InterruptedException {
        List<IoLoop> loops = new ArrayList<>();
        List<Pairs> pairs = new ArrayList<>();
        long origin = System.nanoTime();
        for (int i = 0; i < config.ioThreads(); i++) {
            Pairs loopPairs = new Pairs();
            IoLoop loop = new IoLoop(i, target, origin, 0, Payload.MIN_BYTES, loopPairs);
            loopPairs.loop = loop;
            pairs.add(loopPairs);
            loops.add(loop);
        }
        loops.forEach(IoLoop::start);
        try {
            long first = System.nanoTime() + START_NANOS;
            windowStart = first + config.warmup().toNanos();
            windowEnd = windowStart + config.window().toNanos();
            long interval = Math.round(TimeUnit.SECONDS.toNanos(1) / config.rate());
            long started = 0;
            long skipped = 0;
            ProcessSample serverStart = null;
            ProcessSample generatorStart = null;
            for (long n = 0; ; n++) {
                long due = first + n * interval;
                if (due >= windowEnd) {
                    break;
                }
                if (serverStart == null && due >= windowStart) {
                    LoadRun.sleepUntil(windowStart);
                    serverStart = LoadRun.sample(config.serverPids());
                    generatorStart = LoadRun.sample(List.of(ProcessHandle.current().pid()));
                }
                boolean counted = due >= windowStart;
                // Tokens are signed before the pair is due, so that signing never delays it.
                String room = "hs-" + n;
                int index = (int) (2 * n);
                List<InetAddress> sources = config.sources();
                InetAddress source = sources.isEmpty() ? null : sources.get((int) (n % sources.size()));
                WsConnection.Participant caller = new WsConnection.Participant(index, "a-" + n, room, -1,
                        target.upgradeTarget(room, "a-" + n, true));
                WsConnection.Participant callee = new WsConnection.Participant(index + 1, "b-" + n, room, -1,
                        target.upgradeTarget(room, "b-" + n, true));
                LoadRun.sleepUntil(due);
                started += counted ? 1 : 0;
                if (inFlight.get() >= config.maxInFlight()) {
                    if (counted) {
                        skipped++;
                        settled.incrementAndGet();
                        firstFailure.compareAndSet(null, room + ": not started, " + config.maxInFlight() + " pairs under way");
                    }
                    continue;
                }
                inFlight.incrementAndGet();
                Pairs loopPairs = pairs.get((int) (n % loops.size()));
                loopPairs.loop.execute(() -> loopPairs.start(new Pair(due, counted), caller, callee, source));
            }
            LoadRun.sleepUntil(windowEnd);
            ProcessSample serverEnd = LoadRun.sample(config.serverPids());
            ProcessSample generatorEnd = LoadRun.sample(List.of(ProcessHandle.current().pid()));
            long drainEnd = System.nanoTime() + config.drain().toNanos();
            while (settled.get() < started && System.nanoTime() < drainEnd) {
                TimeUnit.MILLISECONDS.sleep(DRAIN_POLL_MILLIS);
            }
            // The counts are final once the loops stopped: each is read after its thread ended.
            for (IoLoop loop : loops) {
                loop.stop();
            }
            loops.clear();
            Histogram latency = new Histogram(Tally.HIGHEST_MICROS, 3);
            long completed = 0;
            long failed = skipped;
            for (Pairs loopPairs : pairs) {
                latency.add(loopPairs.latency);
                completed += loopPairs.completed;
                failed += loopPairs.failed;
            }
            long unfinished = started - completed - failed;
            if (unfinished > 0) {
                firstFailure.compareAndSet(null, unfinished + " pairs not done " + config.drain() + " after the window");
            }
            double windowSeconds = config.window().toNanos() / 1e9;
            log.printf("bench: %d of %d handshakes completed in %.1f s%n", completed, started, windowSeconds);
            return new HandshakeResult(HandshakeResult.MODE, target.name(), config.label(), config.rate(), config.candidates(),
                    config.warmup().toMillis() / 1000.0, windowSeconds, started, completed, started - completed,
                    firstFailure.get(), Math.round(completed / windowSeconds * 10) / 10.0, LoadResult.Latency.of(latency),
                    LoadResult.Usage.between(serverStart, serverEnd, windowSeconds, completed),
                    LoadResult.Usage.between(generatorStart, generatorEnd, windowSeconds, completed));
        } finally {
            for (IoLoop loop : loops) {
                loop.stop();
            }
        }
    }

    /** One handshake: two participants in a room of their own. Touched by its loop's thread only. */
    private static final class Pair {
        final long due;
        final boolean counted;
        Side caller;
        Side callee;
        boolean complete;
        boolean over;

        Pair(long due, boolean counted) {
            this.due = due;
            this.counted = counted;
        }
    }

    /** One participant of a pair. */
    private static final class Side {
        final Pair pair;
        final WsConnection connection;
        final boolean isCaller;
        boolean joined;
        String peer;
        boolean sent;
        int acknowledged;
        boolean gotSession;
        int candidates;
        boolean closed;

        Side(Pair pair, WsConnection connection, boolean isCaller) {
            this.pair = pair;
            this.connection = connection;
            this.isCaller = isCaller;
        }
    }

    /** The pairs of one IO thread, and what they counted: touched by that thread only until it stopped. */
    private final class Pairs implements IoLoop.Progress {
        final Histogram latency = new Histogram(Tally.HIGHEST_MICROS, 3);
        IoLoop loop;
        long completed;
        long failed;

        void start(Pair pair, WsConnection.Participant caller, WsConnection.Participant callee, InetAddress source) {
            pair.caller = new Side(pair, loop.connect(caller, config.endpoint(), source), true);
            pair.callee = new Side(pair, loop.connect(callee, config.endpoint(), source), false);
            pair.caller.connection.attachment = pair.caller;
            pair.callee.connection.attachment = pair.callee;
        }

        @Override
        public void joined(WsConnection connection) {
            // the joined frame comes to frame() too, which reads who is in the room
        }

        @Override
        public void failed(WsConnection connection, String reason) {
            fail(((Side) connection.attachment).pair, connection.identity + ": " + reason);
        }

        @Override
        public void closed(WsConnection connection, String reason) {
            Side side = (Side) connection.attachment;
            if (connection.leaving) {
                side.closed = true;
                finishIfClosed(side.pair);
            } else {
                fail(side.pair, connection.identity + " was disconnected: " + reason);
            }
        }

        @Override
        public void frame(WsConnection connection, Target.Inbound kind, byte[] buf, int offset, int length, long receivedAt) {
            Side side = (Side) connection.attachment;
            if (side.pair.over) {
                return;
            }
            if (kind == Target.Inbound.ERROR) {
                fail(side.pair, connection.identity + ": " + new String(buf, offset, Math.min(length, 300), StandardCharsets.UTF_8));
                return;
            }
            if (kind == Target.Inbound.JOINED) {
                side.joined = true;
            }
            List<String> announced = signaling.announced(buf, offset, length);
            if (side.isCaller && side.peer == null && !announced.isEmpty()) {
                side.peer = announced.get(0);
            }
            if (kind == Target.Inbound.OTHER && signaling.acknowledges(buf, offset, length)) {
                side.acknowledged++;
            }
            Signaling.Relayed relayed = kind == Target.Inbound.OTHER ? signaling.relayed(buf, offset, length) : null;
            if (relayed != null) {
                switch (relayed.kind()) {
                    case OFFER -> {
                        side.peer = relayed.from();
                        side.gotSession = !side.isCaller;
                    }
                    case ANSWER -> side.gotSession = side.isCaller;
                    case CANDIDATE -> side.candidates++;
                }
            }
            if (side.joined && side.peer != null && !side.sent && (side.isCaller || side.gotSession)) {
                // The caller offers as soon as it knows whom to; the callee answers the offer.
                side.connection.sendText(side.isCaller ? signaling.offer(side.peer) : signaling.answer(side.peer));
                for (int i = 0; i < config.candidates(); i++) {
                    side.connection.sendText(signaling.candidate(side.peer, i));
                }
                side.sent = true;
            }
            Pair pair = side.pair;
            if (!pair.complete && received(pair.caller) && received(pair.callee)) {
                pair.complete = true;
                if (pair.counted) {
                    completed++;
                    settled.incrementAndGet();
                    Tally.record(latency, receivedAt - pair.due);
                }
            }
            if (side.sent && side.acknowledged > config.candidates() && received(side) && !side.connection.leaving) {
                leave(side);
            }
        }

        private boolean received(Side side) {
            return side.gotSession && side.candidates >= config.candidates();
        }

        private void leave(Side side) {
            side.connection.leaving = true;
            side.connection.sendText(signaling.leave());
            if (!signaling.serverClosesAfterLeave()) {
                loop.release(side.connection);
                side.closed = true;
                finishIfClosed(side.pair);
            }
        }

        private void finishIfClosed(Pair pair) {
            if (!pair.over && pair.caller.closed && pair.callee.closed) {
                pair.over = true;
                inFlight.decrementAndGet();
            }
        }

        private void fail(Pair pair, String reason) {
            if (pair.over) {
                return;
            }
            pair.over = true;
            inFlight.decrementAndGet();
            if (pair.counted && !pair.complete) {
                failed++;
                settled.incrementAndGet();
                firstFailure.compareAndSet(null, reason);
            }
            loop.release(pair.caller.connection);
            loop.release(pair.callee.connection);
        }
    }
}
