package io.bifrost.bench.load;

import io.bifrost.bench.proc.ProcessSample;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one load: joins every participant (a bounded number at a time), lets the publishers send
 * through the warm-up and the window, samples the servers' CPU and memory at the window's edges,
 * waits for the last messages, and adds up what the IO threads counted.
 *
 * <p>With a {@link Failover} (scenario 5) it also kills a node mid-window; the participants it
 * dropped come back on the other nodes, resuming their sessions, and the run waits for them
 * before it counts.
 */
public final class LoadRun {
    /** Time between the last join and the first message, so that join traffic has settled. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final LoadConfig config;
    private final Target target;
    private final PrintStream log;
    private final Failover failover;

    public LoadRun(LoadConfig config, Target target, PrintStream log) {
        this(config, target, log, null);
    }

    /**
     * A run that kills the server process {@code killPid} with SIGKILL {@code killAfter} into the
     * window; the participants resume on the nodes left.
     */
    public static LoadRun withFailover(LoadConfig config, Target target, PrintStream log, long killPid,
                                       java.time.Duration killAfter) {
        if (config.endpoints().size() < 2) {
            throw new IllegalArgumentException("killing a node needs a second one to resume on");
        }
        if (killAfter.compareTo(config.window()) >= 0) {
            throw new IllegalArgumentException("the node must be killed inside the window (" + config.window() + "), not after " + killAfter);
        }
        return new LoadRun(config, target, log, new Failover(killPid, killAfter));
    }

    private LoadRun(LoadConfig config, Target target, PrintStream log, Failover failover) {
        this.config = config;
        this.target = target;
        this.log = log;
        this.failover = failover;
    }

    public LoadResult run() throws IOException, InterruptedException, TimeoutException {
        long origin = System.nanoTime();
        Joins joins = new Joins(config.participants(), config.connectConcurrency());
        IoLoop.Progress progress = new IoLoop.Progress() {
            @Override
            public void joined(WsConnection connection) {
                joins.joined();
            }

            @Override
            public void failed(WsConnection connection, String reason) {
                joins.failed(connection, reason);
            }

            @Override
            public void back(WsConnection connection, boolean resumed) {
                if (failover != null) {
                    failover.back(connection, resumed);
                }
            }
        };
        List<IoLoop> loops = new ArrayList<>();
        for (int i = 0; i < config.ioThreads(); i++) {
            IoLoop loop = new IoLoop(i, target, origin, config.publishers(), config.payloadBytes(), progress);
            if (failover != null) {
                loop.resumeOn(config.endpoints());
            }
            loops.add(loop);
        }
        loops.forEach(IoLoop::start);
        Tally total = new Tally();
        try {
            List<WsConnection> participants = new ArrayList<>();
            long joinMillis = join(loops, joins, participants);
            log.printf("bench: %d participants joined in %d ms%n", config.participants(), joinMillis);

            long publishFrom = System.nanoTime() + SETTLE_NANOS;
            long windowStart = publishFrom + config.warmup().toNanos();
            long windowEnd = windowStart + config.window().toNanos();
            long interval = Math.round(TimeUnit.SECONDS.toNanos(1) / config.rate());
            Schedule schedule = new Schedule(origin, publishFrom, windowStart, windowEnd, interval);
            loops.forEach(loop -> loop.begin(schedule));

            sleepUntil(windowStart);
            Samples start = Samples.take(config);
            if (failover != null) {
                sleepUntil(windowStart + failover.after().toNanos());
                failover.kill();
                log.printf("bench: killed a node %.1f s into the window%n", failover.after().toMillis() / 1000.0);
            }
            sleepUntil(windowEnd);
            Samples end = Samples.take(config);
            if (failover != null) {
                // Those still coming back receive the window's messages by replay: give them the drain too.
                failover.awaitBack(participants, System.nanoTime() + config.drain().toNanos());
            }
            // In-flight messages sent just before the window closed still count: give them time.
            TimeUnit.NANOSECONDS.sleep(config.drain().toNanos());

            for (IoLoop loop : loops) {
                total.add(loop.stop());
            }
            loops.clear();
            return result(total, joinMillis, start, end, participants, windowStart);
        } finally {
            for (IoLoop loop : loops) {
                loop.stop();
            }
        }
    }

    /** Opens every connection, at most {@code connectConcurrency} joins in flight; returns how long it took. */
    private long join(List<IoLoop> loops, Joins joins, List<WsConnection> participants)
            throws InterruptedException, TimeoutException {
        long began = System.nanoTime();
        long deadline = began + config.joinTimeout().toNanos();
        List<InetSocketAddress> endpoints = config.endpoints();
        for (int i = 0; i < config.participants(); i++) {
            if (!joins.acquire(deadline)) {
                throw new TimeoutException(joins.soFar() + " after " + config.joinTimeout());
            }
            failIfRefused(joins);
            boolean publisher = i >= config.subscribers();
            int publisherIndex = publisher ? i - config.subscribers() : -1;
            String identity = publisher ? "pub-" + publisherIndex : "sub-" + i;
            // Subscribers and publishers are each spread evenly over the nodes.
            InetSocketAddress endpoint = endpoints.get((publisher ? publisherIndex : i) % endpoints.size());
            WsConnection.Participant participant = new WsConnection.Participant(i, identity, config.room(), publisherIndex,
                    target.upgradeTarget(config.room(), identity, publisher));
            participants.add(loops.get(i % loops.size()).connect(participant, endpoint, null));
        }
        if (!joins.await(deadline)) {
            throw new TimeoutException(joins.soFar() + " after " + config.joinTimeout());
        }
        failIfRefused(joins);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    }

    private static void failIfRefused(Joins joins) {
        if (joins.failures() > 0) {
            throw new IllegalStateException("a participant could not join: " + joins.firstFailure());
        }
    }

    private LoadResult result(Tally total, long joinMillis, Samples start, Samples end, List<WsConnection> participants,
                              long windowStart) {
        long expected = total.sent * config.participants();
        LoadResult.Recovery recovery = null;
        if (failover != null) {
            long accepted = Failover.accepted(participants.stream().map(p -> p.seen).toList(), config.publishers());
            expected = accepted * config.participants();
            recovery = failover.outcome(windowStart, Math.max(0, total.sent - accepted));
        }
        double windowSeconds = (end.at - start.at) / 1e9;
        return new LoadResult(target.name(), config.label(), config.subscribers(), config.publishers(), config.rate(),
                config.payloadBytes(), config.endpoints().size(), config.warmup().toMillis() / 1000.0,
                windowSeconds, joinMillis, total.sent, expected, total.deliveries,
                Math.max(0, expected - total.deliveries), total.duplicates, total.malformed, total.errors,
                total.disconnects, total.deliveries / windowSeconds,
                LoadResult.Latency.of(total.latency), LoadResult.Latency.of(total.sendLag),
                LoadResult.Usage.between(start.server, end.server, windowSeconds, total.deliveries),
                LoadResult.Usage.between(start.redis, end.redis, windowSeconds, total.deliveries),
                LoadResult.Usage.between(start.generator, end.generator, windowSeconds, total.deliveries),
                total.firstError, total.firstDisconnect, recovery);
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** The processes' counters at one instant. */
    private record Samples(long at, ProcessSample server, ProcessSample redis, ProcessSample generator) {
        static Samples take(LoadConfig config) {
            long at = System.nanoTime();
            return new Samples(at, sample(config.serverPids()), sample(config.redisPids()),
                    sample(List.of(ProcessHandle.current().pid())));
        }
    }

    /** The processes' summed counters, or null when there are none or one died (a killed node's are simply missing). */
    static ProcessSample sample(List<Long> pids) {
        if (pids.isEmpty()) {
            return null;
        }
        try {
            return ProcessSample.total(pids);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
