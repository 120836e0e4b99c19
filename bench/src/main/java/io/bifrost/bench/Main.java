package io.bifrost.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bifrost.bench.load.LoadConfig;
import io.bifrost.bench.load.LoadResult;
import io.bifrost.bench.load.LoadRun;
import io.bifrost.bench.report.ScenarioReport;
import io.bifrost.bench.protocol.BifrostTarget;
import io.bifrost.bench.protocol.SocketIoTarget;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The benchmark's command line.
 *
 * <pre>
 * load    one run against running servers; writes its result as JSON
 * report  a Markdown table of the results in a folder
 * micro   the JMH micro-benchmarks of the server's hot paths (JMH's own options follow)
 * </pre>
 */
public final class Main {
    private static final String USAGE = String.join("\n",
            "Usage:",
            "  bench load --target bifrost|socket.io --url ws://127.0.0.1:7800[,ws://…] --subscribers S --publishers P --rate R",
            "             [--room bench] [--payload 100] [--warmup 5s] [--window 20s] [--drain 2s] [--join-timeout 120s]",
            "             [--connect-concurrency 64] [--io-threads 1] [--server-pid PID[,PID]] [--redis-pid PID]",
            "             [--label TEXT] [--out FILE.json]",
            "      Bifrost tokens are signed with --key-id (default bench) and the secret in BENCH_HMAC_SECRET.",
            "  bench report --results DIR --title TEXT --out FILE.md",
            "      A table of every *.json result in DIR: median (min–max) per setup and room shape.",
            "  bench micro [JMH options, e.g. Codec -rf json -rff out.json]",
            "      Codec encode/decode, token verification by algorithm, room fan-out.");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("micro")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length == 0 || !Set.of("load", "report").contains(args[0])) {
            System.err.println(USAGE);
            System.exit(2);
        }
        try {
            Map<String, String> options = options(Arrays.copyOfRange(args, 1, args.length));
            if (args[0].equals("load")) {
                load(options);
            } else {
                report(options);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        // The IO threads are gone; nothing else should keep the JVM.
        System.exit(0);
    }

    private static void load(Map<String, String> options) throws Exception {
        String room = options.getOrDefault("room", "bench");
        Target target = switch (required(options, "target")) {
            case "bifrost" -> BifrostTarget.hmac(options.getOrDefault("key-id", "bench"), secret(), room);
            case "socket.io" -> new SocketIoTarget(room);
            default -> throw new IllegalArgumentException("--target is bifrost or socket.io");
        };
        LoadConfig config = new LoadConfig(
                options.getOrDefault("label", target.name()),
                endpoints(required(options, "url")),
                integer(options, "subscribers", null),
                integer(options, "publishers", null),
                Double.parseDouble(required(options, "rate")),
                integer(options, "payload", "100"),
                duration(options.getOrDefault("warmup", "5s")),
                duration(options.getOrDefault("window", "20s")),
                duration(options.getOrDefault("drain", "2s")),
                duration(options.getOrDefault("join-timeout", "120s")),
                integer(options, "connect-concurrency", "64"),
                integer(options, "io-threads", "1"),
                pids(options.get("server-pid")),
                pids(options.get("redis-pid")));
        LoadResult result = new LoadRun(config, target, System.err).run();
        String json = JSON.writeValueAsString(result);
        if (options.containsKey("out")) {
            Files.writeString(Path.of(options.get("out")), json + "\n");
        }
        System.err.printf(Locale.ROOT, "bench: %s %d/%d at %s/s: joined in %d ms, %.0f deliveries/s, p50 %.2f ms, "
                        + "p99 %.2f ms, losses %d, duplicates %d, server %s, generator %s%n",
                result.label(), result.subscribers(), result.publishers(), ScenarioReport.rate(result.rate()),
                result.joinMillis(),
                result.deliveriesPerSecond(),
                result.latency().p50() / 1000.0, result.latency().p99() / 1000.0, result.losses(), result.duplicates(),
                usage(result.server()), usage(result.generator()));
        if (!options.containsKey("out")) {
            System.out.println(json);
        }
    }

    private static void report(Map<String, String> options) throws IOException {
        Path folder = Path.of(required(options, "results"));
        List<LoadResult> results = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                results.add(JSON.readValue(file.toFile(), LoadResult.class));
            }
        }
        String markdown = ScenarioReport.markdown(options.getOrDefault("title", "Benchmark"), results);
        Files.writeString(Path.of(required(options, "out")), markdown);
        System.out.print(markdown);
    }

    private static String usage(LoadResult.Usage usage) {
        return usage == null ? "not measured"
                : String.format(Locale.ROOT, "%.2f cores %.1f µs/delivery %d MB", usage.cores(),
                        usage.cpuMicrosPerDelivery(), usage.rssKbEnd() / 1024);
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

    private static int integer(Map<String, String> options, String name, String fallback) {
        String value = fallback == null ? required(options, name) : options.getOrDefault(name, fallback);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number, was " + value);
        }
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, at " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }
}
