package io.bifrost.bench.load;

import io.bifrost.bench.proc.ProcessSample;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Runs one load: joins every participant (a bounded number at a time), lets the publishers send
 * through the warm-up and the window, samples the servers' CPU and memory at the window's edges,
 * waits for the last messages, and adds up what the IO threads counted.
 */
public final class LoadRun {
    /** Time between the last join and the first message, so that join traffic has settled. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final LoadConfig config;
    private final Target target;
    private final PrintStream log;

    public LoadRun(LoadConfig config, Target target, PrintStream log) {
        this.config = config;
        this.target = target;
        this.log = log;
    }

    public LoadResult run() throws IOException, InterruptedException, TimeoutException {
        long origin = System.nanoTime();
        Semaphore joining = new Semaphore(config.connectConcurrency());
        CountDownLatch settled = new CountDownLatch(config.participants());
        AtomicReference<String> failure = new AtomicReference<>();
        IoLoop.Progress progress = new IoLoop.Progress() {
            @Override
            public void joined(WsConnection connection) {
                joining.release();
                settled.countDown();
            }

            @Override
            public void failed(WsConnection connection, String reason) {
                failure.compareAndSet(null, connection.identity + ": " + reason);
                joining.release();
                settled.countDown();
            }
        };
        List<IoLoop> loops = new ArrayList<>();
        for (int i = 0; i < config.ioThreads(); i++) {
            loops.add(new IoLoop(i, target, origin, config.publishers(), config.payloadBytes(), progress));
        }
        loops.forEach(IoLoop::start);
        Tally total = new Tally();
        try {
            long joinMillis = join(loops, joining, settled, failure);
            log.printf("bench: %d participants joined in %d ms%n", config.participants(), joinMillis);

            long publishFrom = System.nanoTime() + SETTLE_NANOS;
            long windowStart = publishFrom + config.warmup().toNanos();
            long windowEnd = windowStart + config.window().toNanos();
            long interval = Math.round(TimeUnit.SECONDS.toNanos(1) / config.rate());
            Schedule schedule = new Schedule(origin, publishFrom, windowStart, windowEnd, interval);
            loops.forEach(loop -> loop.begin(schedule));

            sleepUntil(windowStart);
            Samples start = Samples.take(config);
            sleepUntil(windowEnd);
            Samples end = Samples.take(config);
            // In-flight messages sent just before the window closed still count: give them time.
            TimeUnit.NANOSECONDS.sleep(config.drain().toNanos());

            for (IoLoop loop : loops) {
                total.add(loop.stop());
            }
            loops.clear();
            return result(total, joinMillis, start, end);
        } finally {
            for (IoLoop loop : loops) {
                loop.stop();
            }
        }
    }

    /** Opens every connection, at most {@code connectConcurrency} joins in flight; returns how long it took. */
    private long join(List<IoLoop> loops, Semaphore joining, CountDownLatch settled, AtomicReference<String> failure)
            throws InterruptedException, TimeoutException {
        long began = System.nanoTime();
        long deadline = began + config.joinTimeout().toNanos();
        List<InetSocketAddress> endpoints = config.endpoints();
        for (int i = 0; i < config.participants(); i++) {
            if (!joining.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException(joinedSoFar(settled) + " after " + config.joinTimeout());
            }
            failIfRefused(failure);
            boolean publisher = i >= config.subscribers();
            int publisherIndex = publisher ? i - config.subscribers() : -1;
            String identity = publisher ? "pub-" + publisherIndex : "sub-" + i;
            // Subscribers and publishers are each spread evenly over the nodes.
            InetSocketAddress endpoint = endpoints.get((publisher ? publisherIndex : i) % endpoints.size());
            loops.get(i % loops.size()).connect(i, identity, publisherIndex, endpoint, target.upgradeTarget(identity, publisher));
        }
        if (!settled.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException(joinedSoFar(settled) + " after " + config.joinTimeout());
        }
        failIfRefused(failure);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    }

    private String joinedSoFar(CountDownLatch settled) {
        return (config.participants() - settled.getCount()) + " of " + config.participants() + " participants joined";
    }

    private static void failIfRefused(AtomicReference<String> failure) {
        if (failure.get() != null) {
            throw new IllegalStateException("a participant could not join: " + failure.get());
        }
    }

    private LoadResult result(Tally total, long joinMillis, Samples start, Samples end) {
        long expected = total.sent * config.participants();
        double windowSeconds = (end.at - start.at) / 1e9;
        return new LoadResult(target.name(), config.label(), config.subscribers(), config.publishers(), config.rate(),
                config.payloadBytes(), config.endpoints().size(), config.warmup().toMillis() / 1000.0,
                windowSeconds, joinMillis, total.sent, expected, total.deliveries,
                Math.max(0, expected - total.deliveries), total.duplicates, total.malformed, total.errors,
                total.disconnects, total.deliveries / windowSeconds,
                latency(total.latency), latency(total.sendLag),
                usage(start.server, end.server, windowSeconds, total.deliveries),
                usage(start.redis, end.redis, windowSeconds, total.deliveries),
                usage(start.generator, end.generator, windowSeconds, total.deliveries),
                total.firstError, total.firstDisconnect);
    }

    private static LoadResult.Latency latency(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new LoadResult.Latency(0, 0, 0, 0, 0, 0, 0);
        }
        return new LoadResult.Latency(h.getTotalCount(), Math.round(h.getMean() * 10) / 10.0,
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue());
    }

    private static LoadResult.Usage usage(ProcessSample start, ProcessSample end, double windowSeconds, long deliveries) {
        if (start == null || end == null) {
            return null;
        }
        long cpu = end.cpuMicros() - start.cpuMicros();
        long system = end.systemMicros() - start.systemMicros();
        return new LoadResult.Usage(cpu, Math.round(cpu / (windowSeconds * 1e6) * 1000) / 1000.0,
                deliveries == 0 ? 0 : Math.round((double) cpu / deliveries * 100) / 100.0,
                cpu == 0 ? 0 : Math.round((double) system / cpu * 1000) / 1000.0, start.rssKb(), end.rssKb());
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
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

        private static ProcessSample sample(List<Long> pids) {
            if (pids.isEmpty()) {
                return null;
            }
            try {
                return ProcessSample.total(pids);
            } catch (IOException | RuntimeException e) {
                // A server that died mid-run shows as losses; its counters are simply missing.
                return null;
            }
        }
    }
}
