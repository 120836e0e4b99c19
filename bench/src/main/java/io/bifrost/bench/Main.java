package io.bifrost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.bench.load.HandshakeConfig;
import io.bifrost.bench.load.HandshakeResult;
import io.bifrost.bench.load.HandshakeRun;
import io.bifrost.bench.load.LoadConfig;
import io.bifrost.bench.load.LoadResult;
import io.bifrost.bench.load.LoadRun;
import io.bifrost.bench.load.StormConfig;
import io.bifrost.bench.load.StormResult;
import io.bifrost.bench.load.StormRun;
import io.bifrost.bench.proc.HeapProbe;
import io.bifrost.bench.report.ScenarioReport;
import io.bifrost.bench.protocol.BifrostTarget;
import io.bifrost.bench.protocol.SocketIoTarget;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The benchmark's command line.
 *
 * <pre>
 * load        one room's fan-out against running servers (scenarios 1 and 2); writes its result as JSON
 * resume      the same, killing one node mid-window while its clients resume on the others (scenario 5)
 * storm       a connect storm of many idle connections, and what each costs the server (scenario 3)
 * handshakes  pairs that join, exchange offer, answer and candidates, and leave (scenario 4)
 * report      Markdown tables of the results in a folder
 * micro       the JMH micro-benchmarks of the server's hot paths (JMH's own options follow)
 * </pre>
 */
public final class Main {
    private static final String USAGE = String.join("\n",
            "Usage:",
            "  bench load --target bifrost|socket.io --url ws://127.0.0.1:7800[,ws://…] --subscribers S --publishers P --rate R",
            "             [--room bench] [--payload 100] [--warmup 5s] [--window 20s] [--drain 2s] [--join-timeout 120s]",
            "             [--connect-concurrency 64] [--io-threads 1] [--server-pid PID[,PID]] [--redis-pid PID]",
            "             [--label TEXT] [--out FILE.json]",
            "  bench resume  the options of load, and --kill-pid PID --kill-after 5s",
            "      Kills that server node with SIGKILL inside the window; its clients resume on the other nodes.",
            "  bench storm --target … --url ws://… --connections N [--room-size 10] [--warmup-connections 100]",
            "             [--connect-concurrency 1000] [--join-timeout 60s] [--idle 10s] [--source-addresses 127.0.0.2,…]",
            "             [--heap jvm|node|none] [--io-threads 1] [--server-pid PID] [--label TEXT] [--out FILE.json]",
            "      The server's live heap is asked with jcmd (jvm, the --server-pid), or the peer's /memory (node).",
            "  bench handshakes --target … --url ws://… --rate HANDSHAKES_PER_S [--candidates 10] [--warmup 2s]",
            "             [--window 10s] [--drain 5s] [--max-in-flight 2000] [--source-addresses …] [--io-threads 1]",
            "             [--server-pid PID] [--label TEXT] [--out FILE.json]",
            "      Bifrost tokens are signed with --key-id (default bench) and the secret in BENCH_HMAC_SECRET.",
            "  bench report --results DIR --title TEXT --out FILE.md",
            "      Tables of every *.json result in DIR: median (min–max) per setup and shape, rate or size.",
            "  bench micro [JMH options, e.g. Codec -rf json -rff out.json]",
            "      Codec encode/decode, token verification by algorithm, room fan-out.");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("micro")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length == 0 || !Set.of("load", "resume", "storm", "handshakes", "report").contains(args[0])) {
            System.err.println(USAGE);
            System.exit(2);
        }
        try {
            Options options = options(Arrays.copyOfRange(args, 1, args.length));
            switch (args[0]) {
                case "load", "resume" -> load(options, args[0].equals("resume"));
                case "storm" -> storm(options);
                case "handshakes" -> handshakes(options);
                default -> report(options);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        // The IO threads are gone; nothing else should keep the JVM.
        System.exit(0);
    }

    private static void load(Options options, boolean failover) throws Exception {
        Target target = target(options, false);
        LoadConfig config = new LoadConfig(
                options.get("label", target.name()),
                options.get("room", "bench"),
                endpoints(required(options, "url")),
                integer(options, "subscribers", null),
                integer(options, "publishers", null),
                Double.parseDouble(required(options, "rate")),
                integer(options, "payload", "100"),
                duration(options.get("warmup", "5s")),
                duration(options.get("window", "20s")),
                duration(options.get("drain", "2s")),
                duration(options.get("join-timeout", "120s")),
                integer(options, "connect-concurrency", "64"),
                integer(options, "io-threads", "1"),
                pids(options.get("server-pid")),
                pids(options.get("redis-pid")));
        LoadRun run = failover
                ? LoadRun.withFailover(config, target, System.err, Long.parseLong(required(options, "kill-pid")),
                        duration(required(options, "kill-after")))
                : new LoadRun(config, target, System.err);
        String out = options.get("out");
        options.refuseUnasked(failover ? "resume" : "load");
        LoadResult result = run.run();
        write(out, result);
        System.err.printf(Locale.ROOT, "bench: %s %d/%d at %s/s: joined in %d ms, %.0f deliveries/s, p50 %.2f ms, "
                        + "p99 %.2f ms, losses %d, duplicates %d, server %s, generator %s%n",
                result.label(), result.subscribers(), result.publishers(), ScenarioReport.rate(result.rate()),
                result.joinMillis(),
                result.deliveriesPerSecond(),
                result.latency().p50() / 1000.0, result.latency().p99() / 1000.0, result.losses(), result.duplicates(),
                usage(result.server(), "delivery"), usage(result.generator(), "delivery"));
        LoadResult.Recovery r = result.recovery();
        if (r != null) {
            System.err.printf(Locale.ROOT, "bench: killed a node %.1f s into the window: %d dropped, %d resumed, "
                            + "%d joined afresh, %d not back; all back after %d ms; %d messages lost with the node unacknowledged%n",
                    r.killedAfterSeconds(), r.dropped(), r.resumed(), r.rejoined(), r.notBack(), r.backMillis(), r.unaccepted());
        }
    }

    private static void storm(Options options) throws Exception {
        Target target = target(options, false);
        List<InetSocketAddress> endpoints = endpoints(required(options, "url"));
        if (endpoints.size() != 1) {
            throw new IllegalArgumentException("a connect storm goes to one node: give one --url");
        }
        List<Long> serverPids = pids(options.get("server-pid"));
        String heap = options.get("heap", target.name().equals("bifrost") ? "jvm" : "node");
        HeapProbe probe = switch (heap) {
            case "jvm" -> {
                if (serverPids.size() != 1) {
                    throw new IllegalArgumentException("--heap jvm asks the --server-pid's JVM: give one pid");
                }
                yield HeapProbe.jvm(serverPids.get(0));
            }
            case "node" -> HeapProbe.node(URI.create("http://" + endpoints.get(0).getHostString() + ":" + endpoints.get(0).getPort()));
            case "none" -> null;
            default -> throw new IllegalArgumentException("--heap is jvm, node or none");
        };
        StormConfig config = new StormConfig(options.get("label", target.name()), endpoints.get(0),
                integer(options, "connections", null), integer(options, "room-size", "10"),
                integer(options, "warmup-connections", "100"), integer(options, "connect-concurrency", "1000"),
                duration(options.get("join-timeout", "60s")), duration(options.get("idle", "10s")),
                integer(options, "io-threads", "1"), addresses(options.get("source-addresses")), serverPids, probe);
        String out = options.get("out");
        options.refuseUnasked("storm");
        StormResult result = new StormRun(config, target, System.err).run();
        write(out, result);
        System.err.printf(Locale.ROOT, "bench: %s storm of %d: %d joined in %d ms (%.0f/s, p99 %.1f ms), %d failed%s; "
                        + "per connection %.1f KB RSS, %.1f KB heap%n",
                result.label(), result.connections(), result.joined(), result.joinMillis(), result.joinsPerSecond(),
                result.joinLatency().p99() / 1000.0, result.failed(),
                result.firstFailure() == null ? "" : " (first: " + result.firstFailure() + ")",
                result.rssBytesPerConnection() / 1024, result.heapBytesPerConnection() / 1024);
    }

    private static void handshakes(Options options) throws Exception {
        Target target = target(options, true);
        List<InetSocketAddress> endpoints = endpoints(required(options, "url"));
        if (endpoints.size() != 1) {
            throw new IllegalArgumentException("handshakes go to one node: give one --url");
        }
        HandshakeConfig config = new HandshakeConfig(options.get("label", target.name()), endpoints.get(0),
                Double.parseDouble(required(options, "rate")), integer(options, "candidates", "10"),
                duration(options.get("warmup", "2s")), duration(options.get("window", "10s")),
                duration(options.get("drain", "5s")), integer(options, "max-in-flight", "2000"),
                integer(options, "io-threads", "1"), addresses(options.get("source-addresses")),
                pids(options.get("server-pid")));
        String out = options.get("out");
        options.refuseUnasked("handshakes");
        HandshakeResult result = new HandshakeRun(config, target, System.err).run();
        write(out, result);
        System.err.printf(Locale.ROOT, "bench: %s at %s handshakes/s: %d of %d completed, %.1f/s, p50 %.2f ms, p99 %.2f ms, "
                        + "%d failed%s, server %s%n",
                result.label(), ScenarioReport.rate(result.rate()), result.completed(), result.started(),
                result.handshakesPerSecond(), result.latency().p50() / 1000.0, result.latency().p99() / 1000.0,
                result.failed(), result.firstFailure() == null ? "" : " (first: " + result.firstFailure() + ")",
                usage(result.server(), "handshake"));
    }

    /**
     * @param announcing whether socket.io participants ask to be told who is in the room, as the
     *                   signaling scenario needs (Bifrost always tells)
     */
    private static Target target(Options options, boolean announcing) {
        String keyId = options.get("key-id", "bench"); // asked for either target: it is harmless to socket.io
        return switch (required(options, "target")) {
            case "bifrost" -> BifrostTarget.hmac(keyId, secret());
            case "socket.io" -> new SocketIoTarget(announcing);
            default -> throw new IllegalArgumentException("--target is bifrost or socket.io");
        };
    }

    /** Writes the result to {@code out} (--out), or prints it when that is null. */
    private static void write(String out, Object result) throws IOException {
        String json = JSON.writeValueAsString(result);
        if (out != null) {
            Files.writeString(Path.of(out), json + "\n");
        } else {
            System.out.println(json);
        }
    }

    private static void report(Options options) throws IOException {
        Path folder = Path.of(required(options, "results"));
        String title = options.get("title", "Benchmark");
        Path out = Path.of(required(options, "out"));
        options.refuseUnasked("report");
        List<LoadResult> loads = new ArrayList<>();
        List<StormResult> storms = new ArrayList<>();
        List<HandshakeResult> handshakes = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode result = JSON.readTree(file.toFile());
                switch (result.path("mode").asText("")) {
                    case StormResult.MODE -> storms.add(JSON.treeToValue(result, StormResult.class));
                    case HandshakeResult.MODE -> handshakes.add(JSON.treeToValue(result, HandshakeResult.class));
                    default -> loads.add(JSON.treeToValue(result, LoadResult.class));
                }
            }
        }
        String markdown = ScenarioReport.markdown(title, loads, storms, handshakes);
        Files.writeString(out, markdown);
        System.out.print(markdown);
    }

    /** @param unit what the run's work is counted in: a delivery, a handshake */
    private static String usage(LoadResult.Usage usage, String unit) {
        return usage == null ? "not measured"
                : String.format(Locale.ROOT, "%.2f cores %.1f µs/%s %d MB", usage.cores(),
                        usage.cpuMicrosPerDelivery(), unit, usage.rssKbEnd() / 1024);
    }

    private static String secret() {
        String secret = System.getenv("BENCH_HMAC_SECRET");
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("set BENCH_HMAC_SECRET to the server's HS256 secret");
        }
        return secret;
    }

    private static List<InetSocketAddress> endpoints(String urls) {
        List<InetSocketAddress> endpoints = new ArrayList<>();
        for (String url : urls.split(",")) {
            URI uri = URI.create(url.strip());
            if (!"ws".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("--url takes ws://host:port, was " + url);
            }
            endpoints.add(new InetSocketAddress(uri.getHost(), uri.getPort()));
        }
        return endpoints;
    }

    /** Loopback addresses to connect from, e.g. {@code 127.0.0.2,127.0.0.3}. */
    private static List<InetAddress> addresses(String value) throws IOException {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String text : value.split(",")) {
            InetAddress address = InetAddress.getByName(text.strip());
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("--source-addresses takes loopback addresses only, was " + text);
            }
            addresses.add(address);
        }
        return addresses;
    }

    private static List<Long> pids(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).map(Long::parseLong).toList();
    }

    /** {@code 500ms}, {@code 5s}, {@code 2m}. */
    static Duration duration(String text) {
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        if (text.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
        }
        if (text.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
        }
        throw new IllegalArgumentException("durations are written 500ms, 5s or 2m, was " + text);
    }

    private static int integer(Options options, String name, String fallback) {
        String value = fallback == null ? required(options, name) : options.get(name, fallback);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number, was " + value);
        }
    }

    private static String required(Options options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private static Options options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, at " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return new Options(options);
    }

    /**
     * The --name value pairs given, remembering which ones a mode asked for: one it never asked
     * for is refused before the run starts, since a misspelt option would otherwise pass for its
     * default and the run measure something else than meant.
     */
    private static final class Options {
        private final Map<String, String> given;
        private final Set<String> asked = new HashSet<>();

        Options(Map<String, String> given) {
            this.given = given;
        }

        String get(String name) {
            asked.add(name);
            return given.get(name);
        }

        String get(String name, String fallback) {
            String value = get(name);
            return value == null ? fallback : value;
        }

        void refuseUnasked(String mode) {
            List<String> unknown = given.keySet().stream().filter(name -> !asked.contains(name)).sorted().map(name -> "--" + name).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("bench " + mode + " takes no " + String.join(", ", unknown));
            }
        }
    }
}
