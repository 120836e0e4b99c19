package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node in a process of its own, from the server jar the package phase built, with the JVM
 * options a node ships with ({@code jvm.options}), so that a test can kill it as the kernel would
 * (SIGKILL: no drain, no goodbye). It signs with {@link TestNode}'s key. What it prints is kept, as an operator's log would keep it.
 */
public final class NodeProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern PORT = Pattern.compile("running on http://[^:]+:(\\d+)");
    /** A soak's node prints a line per join and leave; past this, the oldest lines go. */
    private static final int KEPT_LINES = 100_000;

    private final Process process;
    private final Deque<String> output = new ArrayDeque<>();
    private final int port;
    private Thread reader; // keeps reading the output once the port is known

    private NodeProcess(Process process) throws Exception {
        this.process = process;
        this.port = awaitPort();
    }

    /** @param config {@code BIFROST_*} variables on top of the test key and loopback */
    public static NodeProcess start(Map<String, String> config) throws Exception {
        Path jar = Path.of("target/bifrost-server.jar").toAbsolutePath();
        assertThat(jar).as("the server jar is built in the package phase").exists();
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("jvm.options").toAbsolutePath(), "-jar", jar.toString(), "serve", "--port", "0"));
        builder.environment().keySet().removeIf(name -> name.startsWith("BIFROST_"));
        builder.environment().put("BIFROST_SERVER_HOST", "127.0.0.1");
        builder.environment().put("BIFROST_AUTH_HMAC_KEYS", TestNode.KEY_ID + "=" + TestNode.SECRET);
        builder.environment().putAll(config);
        return new NodeProcess(builder.redirectErrorStream(true).start());
    }

    public int port() {
        return port;
    }

    /** The node's process id, for what {@code /proc} and {@code jcmd} tell about it. */
    public long pid() {
        return process.pid();
    }

    /** A gauge's value from the node's {@code /metrics}, e.g. {@code bifrost_sfu_handles}. */
    public double gauge(String name) throws Exception {
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).as("GET /metrics").isEqualTo(200);
        return PrometheusText.value(metrics.body(), name)
                .orElseThrow(() -> new AssertionError(name + " is not in the node's /metrics"));
    }

    /** What the node printed so far (standard output and error), its oldest lines dropped past {@value #KEPT_LINES}. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** SIGTERM, as an orchestrator stops a node; waits for it to exit and for its last lines. @return its exit code */
    public int stop(Duration within) throws InterruptedException {
        process.toHandle().destroy(); // Process.destroy would also close the pipes and lose the last lines
        assertThat(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)).as("the node exited within " + within).isTrue();
        reader.join(5_000);
        return process.exitValue();
    }

    /** SIGKILL. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private int awaitPort() throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            keep(line);
            Matcher m = PORT.matcher(line);
            if (m.find()) {
                reader = new Thread(() -> out.lines().forEach(this::keep), "node-process-output");
                reader.setDaemon(true);
                reader.start(); // keep reading, so the node never blocks on a full pipe
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the node printed no port: " + output());
    }

    private void keep(String line) {
        synchronized (output) {
            if (output.size() == KEPT_LINES) {
                output.removeFirst();
            }
            output.addLast(line);
        }
    }
}
