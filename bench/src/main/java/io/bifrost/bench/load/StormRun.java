package io.bifrost.bench.load;

import io.bifrost.bench.proc.ProcessSample;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 3, a connect storm and idle density: joins a few warm-up connections, measures the
 * server's memory, opens every storm connection at once (as many joins in flight as configured),
 * each with a token of its own signed before the clock starts, lets them idle, and measures the
 * memory again. Failures are counted, not fatal: they are part of the result.
 */
public final class StormRun {
    /** After the warm-up joins, so that their rooms' announcements are done before the baseline. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final StormConfig config;
    private final Target target;
    private final PrintStream log;
    /** The join phase the IO threads report to: the warm-up's, then the storm's. */
    private volatile Joins joins;

    public StormRun(StormConfig config, Target target, PrintStream log) {
        this.config = config;
        this.target = target;
        this.log = log;
    }

    public StormResult run() throws IOException, InterruptedException {
        IoLoop.Progress progress = new IoLoop.Progress() {
            @Override
            public void joined(WsConnection connection) {
                joins.joined();
            }

            @Override
            public void failed(WsConnection connection, String reason) {
                joins.failed(connection, reason);
            }
        };
        List<IoLoop> loops = new ArrayList<>();
        for (int i = 0; i < config.ioThreads(); i++) {
            loops.add(new IoLoop(i, target, System.nanoTime(), 0, Payload.MIN_BYTES, progress));
        }
        loops.forEach(IoLoop::start);
        try {
            Joins warmup = open(loops, "warm", config.warmupConnections());
            if (warmup.failures() > 0 || warmup.settled() < config.warmupConnections()) {
                throw new IllegalStateException("the warm-up connections did not all join: "
                        + (warmup.failures() > 0 ? warmup.firstFailure() : warmup.soFar()));
            }
            TimeUnit.NANOSECONDS.sleep(SETTLE_NANOS);
            long heapBefore = heap();
            ProcessSample before = LoadRun.sample(config.serverPids());
            ProcessSample generatorBefore = LoadRun.sample(List.of(ProcessHandle.current().pid()));

            long began = System.nanoTime();
            Joins storm = open(loops, "storm", config.connections());
            long settledAt = System.nanoTime();
            ProcessSample joinedServer = LoadRun.sample(config.serverPids());
            ProcessSample joinedGenerator = LoadRun.sample(List.of(ProcessHandle.current().pid()));
            int joined = storm.settled() - storm.failures();
            long joinMillis = joined == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(storm.lastJoinAt() - began);
            log.printf("bench: %d of %d connections joined in %d ms, %d failed%n", joined, config.connections(),
                    joinMillis, config.connections() - joined);

            TimeUnit.NANOSECONDS.sleep(config.idle().toNanos());
            ProcessSample after = LoadRun.sample(config.serverPids());
            long heapAfter = heap();

            Tally total = new Tally();
            for (IoLoop loop : loops) {
                total.add(loop.stop());
            }
            loops.clear();
            double stormSeconds = (settledAt - began) / 1e9;
            long rssBefore = before == null ? 0 : before.rssKb();
            long rssAfter = after == null ? 0 : after.rssKb();
            return new StormResult(StormResult.MODE, target.name(), config.label(), config.connections(), config.roomSize(),
                    config.connectConcurrency(), config.warmupConnections(), joined, config.connections() - joined,
                    storm.firstFailure() != null ? storm.firstFailure()
                            : joined < config.connections() ? storm.soFar() + " within " + config.joinTimeout() : null,
                    joinMillis, joinMillis == 0 ? 0 : Math.round(joined * 1000.0 / joinMillis * 10) / 10.0,
                    LoadResult.Latency.of(total.joinLatency), config.idle().toMillis() / 1000.0,
                    total.disconnects, total.firstDisconnect, total.errors, total.firstError,
                    rssBefore, rssAfter, perConnection((rssAfter - rssBefore) * 1024, joined),
                    heapBefore, heapAfter, heapBefore == 0 ? 0 : perConnection(heapAfter - heapBefore, joined),
                    LoadResult.Usage.between(before, joinedServer, stormSeconds, joined),
                    LoadResult.Usage.between(generatorBefore, joinedGenerator, stormSeconds, joined));
        } finally {
            for (IoLoop loop : loops) {
                loop.stop();
            }
        }
    }

    /**
     * Opens {@code count} connections named {@code prefix-i} in rooms of the configured size, and
     * waits until each joined or failed, or the join timeout passed.
     */
    private Joins open(List<IoLoop> loops, String prefix, int count) throws InterruptedException {
        // Tokens are signed first: the storm measures the server, not the generator's signing.
        List<WsConnection.Participant> participants = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String room = prefix + "-" + (i / config.roomSize());
            String identity = prefix + "-" + i;
            participants.add(WsConnection.Participant.subscriber(i, identity, room, target.upgradeTarget(room, identity, false)));
        }
        Joins phase = new Joins(count, config.connectConcurrency());
        joins = phase;
        long deadline = System.nanoTime() + config.joinTimeout().toNanos();
        List<InetAddress> sources = config.sources();
        for (WsConnection.Participant participant : participants) {
            if (!phase.acquire(deadline)) {
                break;
            }
            int i = participant.index();
            loops.get(i % loops.size()).connect(participant, config.endpoint(),
                    sources.isEmpty() ? null : sources.get(i % sources.size()));
        }
        phase.await(deadline);
        return phase;
    }

    private long heap() throws IOException, InterruptedException {
        return config.heap() == null ? 0 : config.heap().liveHeapBytes();
    }

    private static double perConnection(long bytes, int connections) {
        return connections == 0 ? 0 : Math.round((double) bytes / connections * 10) / 10.0;
    }
}
