package io.bifrost.sfu.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Janus (the machine's {@code janus}, Debian's 1.1.2) with only the VideoRoom plugin and
 * the WebSocket transport, configured the way {@code JanusBridge} needs it: {@code string_ids}, an
 * api secret and an admin key of its own, its own WebSocket port and RTP range. Its Admin API
 * has a WebSocket port of its own, on the same address ({@link #adminApi()}).
 *
 * <p>{@link #start()} runs it on loopback: enough for API tests, but it offers no ICE candidate
 * that a test could reach. {@link #startIn(NetnsFixture)} runs it inside a namespace, bound to the
 * namespace's address, for anything with media; several may share one namespace.
 *
 * <pre>{@code
 * try (NetnsFixture ns = NetnsFixture.create();
 *      JanusFixture janus = JanusFixture.startIn(ns)) {
 *     JanusConfig config = JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey());
 * }
 * }</pre>
 *
 * A missing {@code janus} fails the test with what to install; it never skips.
 */
public final class JanusFixture implements AutoCloseable {
    static final String INSTALL_HINT = "install it with: apt-get install janus";
    static final String LOOPBACK = "127.0.0.1";
    /** Janus 1.1 loads its plugins and answers in well under a second; the slack is for a busy 2-core machine. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    /** One readiness probe: a live Janus answers {@code info} in milliseconds. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 50;
    /** Janus stops in well under a second on SIGTERM. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Lines of Janus's log shown when it fails. */
    private static final int LOG_TAIL_LINES = 60;
    /** ICE ports per Janus: a test opens a handful of PeerConnections; fixtures on one host get disjoint blocks. */
    private static final int RTP_BLOCK = 200;
    private static final int RTP_BASE = 40000;
    private static final int RTP_BLOCKS = 100;
    private static final Path LIB = Path.of("/usr/lib/x86_64-linux-gnu/janus");
    /** The only plugin and transport loaded; every other one found is disabled. */
    private static final String PLUGIN = "libjanus_videoroom.so";
    private static final String TRANSPORT = "libjanus_websockets.so";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Path janus;
    private final Path dir;
    private final NetnsFixture ns; // null on loopback
    private final String address;
    private final int wsPort;
    private final int adminWsPort;
    private final String adminSecret = newSecret("overlord");
    private final String apiSecret;
    private final String adminKey;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread cleanup;
    private Process process; // guarded by this

    private JanusFixture(Path janus, NetnsFixture ns, String address, int wsPort, String apiSecret, String adminKey) {
        this.janus = janus;
        this.apiSecret = apiSecret;
        this.adminKey = adminKey;
        this.ns = ns;
        this.address = address;
        this.wsPort = wsPort;
        this.adminWsPort = freePort();
        try {
            this.dir = Files.createTempDirectory("bifrost-janus-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for Janus", e);
        }
        this.cleanup = new Thread(this::stopProcess, "janus-fixture-cleanup-" + wsPort);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Janus on 127.0.0.1, for tests of its API; no usable ICE candidates. Secrets of its own. */
    public static JanusFixture start() {
        return start(newSecret("secret"), newSecret("admin"));
    }

    /** As {@link #start()}, with these secrets: several nodes behind one bridge share theirs. */
    public static JanusFixture start(String apiSecret, String adminKey) {
        return launch(null, LOOPBACK, apiSecret, adminKey);
    }

    /** Janus inside the namespace, on its address: its ICE candidates are reachable from the host. Secrets of its own. */
    public static JanusFixture startIn(NetnsFixture ns) {
        return startIn(ns, newSecret("secret"), newSecret("admin"));
    }

    /** As {@link #startIn(NetnsFixture)}, with these secrets: several nodes behind one bridge share theirs. */
    public static JanusFixture startIn(NetnsFixture ns, String apiSecret, String adminKey) {
        return launch(ns, ns.nsAddress(), apiSecret, adminKey);
    }

    /** A random secret for {@link #start(String, String)} and {@link #startIn(NetnsFixture, String, String)}. */
    public static String newSecret(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static JanusFixture launch(NetnsFixture ns, String address, String apiSecret, String adminKey) {
        Path binary = Commands.binary("janus", INSTALL_HINT);
        JanusFixture fixture = new JanusFixture(binary, ns, address, freePort(), apiSecret, adminKey);
        try {
            fixture.writeConfig();
            fixture.run();
            return fixture;
        } catch (RuntimeException e) {
            fixture.close();
            throw e;
        }
    }

    /** For {@code JanusConfig.nodes}, e.g. {@code ws://10.214.7.2:41234}. */
    public URI wsUri() {
        return URI.create("ws://" + address + ":" + wsPort);
    }

    public String apiSecret() {
        return apiSecret;
    }

    public String adminKey() {
        return adminKey;
    }

    /** Janus's Admin API: its sessions and handles, its rooms. Good across {@link #restart()}. */
    public JanusAdminApi adminApi() {
        return new JanusAdminApi(URI.create("ws://" + address + ":" + adminWsPort), adminSecret, adminKey);
    }

    /** Where the Janus log is written. */
    public Path logFile() {
        return dir.resolve("janus.log");
    }

    /** The last lines of Janus's log, to print when a test fails. */
    public String logTail() {
        try (Stream<String> lines = Files.lines(logFile())) {
            List<String> all = lines.collect(Collectors.toList());
            return String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGKILL: Janus dies as in a crash, its connections are not closed cleanly. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            Commands.stop(process, STOP_TIMEOUT);
            process = null;
        }
    }

    /**
     * SIGSTOP: Janus hangs with its connections open, as a stalled VM would; nothing tells its
     * clients, so only their own timeouts notice. {@link #thaw()} lets it carry on.
     */
    public synchronized void freeze() {
        signal("STOP");
    }

    public synchronized void thaw() {
        signal("CONT");
    }

    private void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException("Janus at " + wsUri() + " is not running");
        }
        // Java offers only TERM and KILL; STOP and CONT come from kill(1)
        Commands.run(List.of("kill", "-" + signal, Long.toString(process.pid())), STOP_TIMEOUT);
    }

    /** Kills Janus and starts it again on the same port: every session, handle and room is gone. */
    public void restart() {
        kill();
        run();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        Commands.removeShutdownHook(cleanup);
        stopProcess();
        Commands.deleteRecursively(dir);
    }

    private void stopProcess() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (process != null) {
                Commands.runQuietly(List.of("kill", "-CONT", Long.toString(process.pid())), STOP_TIMEOUT);
                Commands.stop(process, STOP_TIMEOUT);
                process = null;
            }
        }
    }

    private void run() {
        List<String> command = List.of(janus.toString(), "-F", dir.toString(), "-o", "-L", logFile().toString());
        Process started;
        if (ns != null) {
            started = ns.start(command, dir.resolve("janus.out"));
        } else {
            try {
                started = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("janus.out").toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command, e);
            }
        }
        synchronized (this) {
            process = started;
        }
        awaitReady(started);
    }

    /** Polls {@code info} over the WebSocket API until Janus answers, exits, or the deadline passes. */
    private void awaitReady(Process started) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                throw new IllegalStateException("janus (" + wsUri() + ") exited with " + started.exitValue()
                        + "; its log:\n" + logTail());
            }
            try {
                if (info().contains("\"server_info\"")) {
                    return;
                }
            } catch (Exception e) {
                last = e.toString();
            }
            Commands.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("Janus at " + wsUri() + " did not answer info within " + READY_TIMEOUT + " (" + last
                + "); its log:\n" + logTail());
    }

    private String info() throws Exception {
        CompletableFuture<String> reply = new CompletableFuture<>();
        WebSocket ws = HTTP.newWebSocketBuilder().subprotocols("janus-protocol").connectTimeout(PROBE_TIMEOUT)
                .buildAsync(wsUri(), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            reply.complete(text.toString());
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            ws.sendText("{\"janus\":\"info\",\"transaction\":\"ready\",\"apisecret\":\"" + apiSecret + "\"}", true);
            return reply.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            ws.abort();
        }
    }

    private void writeConfig() {
        int rtpStart = RTP_BASE + ThreadLocalRandom.current().nextInt(RTP_BLOCKS) * RTP_BLOCK;
        boolean inNamespace = ns != null;
        String janusJcfg = """
                general: {
                  configs_folder = "%s"
                  plugins_folder = "%s"
                  transports_folder = "%s"
                  events_folder = "%s"
                  loggers_folder = "%s"
                  api_secret = "%s"
                  admin_secret = "%s"
                  session_timeout = 60
                  debug_level = 4
                  %s
                }
                media: {
                  rtp_port_range = "%d-%d"
                }
                nat: {
                  ignore_mdns = true
                  %s
                }
                plugins: {
                  disable = "%s"
                }
                transports: {
                  disable = "%s"
                }
                loggers: {
                  disable = "libjanus_jsonlog.so"
                }
                events: {
                  broadcast = false
                }
                """.formatted(dir, LIB.resolve("plugins"), LIB.resolve("transports"), LIB.resolve("events"),
                LIB.resolve("loggers"), apiSecret, adminSecret,
                inNamespace ? "interface = \"" + address + "\"" : "",
                rtpStart, rtpStart + RTP_BLOCK - 1,
                inNamespace ? "ice_enforce_list = \"" + address + "\"" : "",
                othersThan(LIB.resolve("plugins"), PLUGIN), othersThan(LIB.resolve("transports"), TRANSPORT));
        String websockets = """
                general: {
                  json = "plain"
                  ws = true
                  ws_port = %d
                  ws_ip = "%s"
                  wss = false
                }
                admin: {
                  admin_ws = true
                  admin_ws_port = %d
                  admin_ws_ip = "%s"
                  admin_wss = false
                }
                """.formatted(wsPort, address, adminWsPort, address);
        String videoroom = """
                general: {
                  admin_key = "%s"
                  lock_rtp_forward = true
                  string_ids = true
                  events = false
                }
                """.formatted(adminKey);
        try {
            Files.writeString(dir.resolve("janus.jcfg"), janusJcfg);
            Files.writeString(dir.resolve("janus.transport.websockets.jcfg"), websockets);
            Files.writeString(dir.resolve("janus.plugin.videoroom.jcfg"), videoroom);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write Janus's configuration to " + dir, e);
        }
    }

    /** Every {@code .so} in the folder but {@code keep}, comma-separated, for a {@code disable} list. */
    private static String othersThan(Path folder, String keep) {
        try (Stream<Path> files = Files.list(folder)) {
            List<String> names = new ArrayList<>(files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".so") && !n.equals(keep)).sorted().toList());
            return String.join(",", names);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + "; is the janus package installed? " + INSTALL_HINT, e);
        }
    }

    /** A port free right now on the host; inside a fresh namespace every port is free anyway. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    @Override
    public String toString() {
        return "Janus at " + wsUri();
    }
}
