package io.bifrost.rooms.testing;

import com.github.dockerjava.api.DockerClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Redis for one test class or run: a container when a Docker engine answers, otherwise the
 * local {@code redis-server} on a free loopback port. It never skips: without Docker and without
 * the binary, {@link #start()} fails and says what to install.
 *
 * <pre>{@code
 * try (RedisFixture redis = RedisFixture.start()) {
 *     node = TestNode.start(Map.of("redis.url", redis.url()));
 *     redis.pause(Duration.ofSeconds(2));   // the server hangs, then carries on
 * }
 * }</pre>
 */
public final class RedisFixture implements AutoCloseable {
    /** Pinned so every run tests the same server; Debian 12's redis-server, the local fallback, is 7.0 too. */
    public static final String IMAGE = "redis:7.0";
    /** The oldest local server accepted: the one {@link #IMAGE} pins. */
    static final int MIN_MAJOR_VERSION = 7;
    static final String LOOPBACK = "127.0.0.1";
    static final String INSTALL_HINT = "install it with: apt-get install redis-server redis-tools (./scripts/test does)";
    /**
     * A local server is up in milliseconds, a started container in well under a second (the image
     * pull is done by then); the slack is for a busy 2-core CI machine.
     */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    /** How long a stopping server gets for SIGTERM before SIGKILL; a frozen one never answers SIGTERM. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Attempts at a free port: another process can take the one we picked before redis-server binds it. */
    private static final int PORT_ATTEMPTS = 3;
    /** Per-connection timeout of the readiness probe: a live server answers PING well within it. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 20;
    /** kill(1) returns at once; anything longer means the machine is in trouble. */
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);
    /** The port Redis listens on inside the container. */
    private static final int CONTAINER_PORT = 6379;
    /** The local server writes nothing to disk and accepts only loopback clients. */
    private static final List<String> LOCAL_ARGS = List.of("--bind", LOOPBACK, "--save", "", "--appendonly", "no");

    private final Server server;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread cleanup;

    private RedisFixture(Server server) {
        this.server = server;
        this.cleanup = new Thread(this::stopServer, "redis-fixture-cleanup-" + server.port());
        Runtime.getRuntime().addShutdownHook(cleanup); // a test run that is killed still leaves no server behind
    }

    /** Starts a server and returns once it answers PING. */
    public static RedisFixture start() {
        return new RedisFixture(DockerClientFactory.instance().isDockerAvailable()
                ? new ContainerServer()
                : new LocalProcess(LocalServer.start(() -> LOCAL_ARGS)));
    }

    /** For Lettuce and {@code redis.url}, e.g. {@code redis://127.0.0.1:41234}. */
    public String url() {
        return "redis://" + LOOPBACK + ":" + port();
    }

    public int port() {
        return server.port();
    }

    /**
     * Freezes the server for {@code duration}, then lets it carry on, as a long GC pause or a
     * stalled VM would: connections stay open and commands wait. Blocks the caller meanwhile;
     * call it from another thread to act during the pause.
     */
    public void pause(Duration duration) {
        server.freeze();
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while Redis on port " + port() + " was paused", e);
        } finally {
            server.thaw(); // also when interrupted: a frozen server would hang every later test
        }
    }

    /** Stops the server and starts it again on the same port; without persistence, all data is gone. */
    public void restart() {
        server.restart();
    }

    /** Stops the server; idempotent. */
    public void stop() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it stops the server itself
        }
        stopServer();
    }

    @Override
    public void close() {
        stop();
    }

    private void stopServer() {
        if (stopped.compareAndSet(false, true)) {
            server.stop();
        }
    }

    /** What differs between a container and a local process. */
    private interface Server {
        int port();

        void freeze();

        void thaw();

        void restart();

        void stop();
    }

    private static final class LocalProcess implements Server {
        private final LocalServer local;

        LocalProcess(LocalServer local) {
            this.local = local;
        }

        @Override
        public int port() {
            return local.port();
        }

        @Override
        public void freeze() {
            local.signal("STOP");
        }

        @Override
        public void thaw() {
            local.signal("CONT");
        }

        @Override
        public void restart() {
            local.restart();
        }

        @Override
        public void stop() {
            local.stop();
        }
    }

    private static final class ContainerServer implements Server {
        private final GenericContainer<?> container;
        private final int port = freePort();

        ContainerServer() {
            container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                    .withCommand("redis-server", "--save", "", "--appendonly", "no")
                    .withExposedPorts(CONTAINER_PORT);
            // A host port of our choosing rather than a random mapping, so that restart() keeps the
            // address clients hold; on loopback, as everything the tests start. A remote Docker
            // engine is therefore not supported.
            container.setPortBindings(List.of(LOOPBACK + ":" + port + ":" + CONTAINER_PORT));
            container.start();
            try {
                awaitReady(port, null, READY_TIMEOUT, container::getLogs);
            } catch (RuntimeException e) {
                container.stop();
                throw e;
            }
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void freeze() {
            docker().pauseContainerCmd(container.getContainerId()).exec();
        }

        @Override
        public void thaw() {
            docker().unpauseContainerCmd(container.getContainerId()).exec();
        }

        @Override
        public void restart() {
            docker().restartContainerCmd(container.getContainerId()).exec();
            awaitReady(port, null, READY_TIMEOUT, container::getLogs);
        }

        @Override
        public void stop() {
            container.stop();
        }

        private static DockerClient docker() {
            return DockerClientFactory.instance().client();
        }
    }

    /**
     * One {@code redis-server} process on a free loopback port, in a temporary directory of its
     * own; the cluster fixture runs three of them.
     */
    static final class LocalServer {
        private final Path binary;
        private final Path dir;
        private final List<String> args;
        private final int port;
        private Process process; // test thread and the shutdown hook: guarded by this

        private LocalServer(Path binary, Path dir, List<String> args, int port) {
            this.binary = binary;
            this.dir = dir;
            this.args = args;
            this.port = port;
        }

        /** @param extraArgs asked again on each port attempt, so that ports they name can be picked afresh */
        static LocalServer start(Supplier<List<String>> extraArgs) {
            Path binary = binary("redis-server");
            List<String> failures = new ArrayList<>();
            for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
                Path dir;
                try {
                    dir = Files.createTempDirectory("bifrost-redis-");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a directory for redis-server", e);
                }
                LocalServer server = new LocalServer(binary, dir, extraArgs.get(), freePort());
                try {
                    server.launch();
                } catch (RuntimeException e) {
                    server.stop();
                    failures.add(e.getMessage());
                    continue;
                }
                server.checkVersion();
                return server;
            }
            throw new IllegalStateException("redis-server did not start in " + PORT_ATTEMPTS + " attempts: " + failures);
        }

        int port() {
            return port;
        }

        synchronized void signal(String signal) {
            if (process == null) {
                throw new IllegalStateException("redis-server on port " + port + " is stopped");
            }
            // Java offers only TERM and KILL; STOP and CONT come from kill(1)
            run(List.of("kill", "-" + signal, Long.toString(process.pid())), "kill -" + signal + " redis-server on port " + port, SIGNAL_TIMEOUT);
        }

        void restart() {
            synchronized (this) {
                terminate();
            }
            launch();
        }

        synchronized void stop() {
            terminate();
            deleteRecursively(dir);
        }

        private void launch() {
            List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port), "--dir", dir.toString()));
            command.addAll(args);
            Process started;
            try {
                started = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(log().toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command, e);
            }
            synchronized (this) {
                process = started;
            }
            awaitReady(port, started, READY_TIMEOUT, this::logText);
        }

        /** The local binary is whatever the machine has: refuse one older than the pinned image. */
        private void checkVersion() {
            try {
                String version = info("redis_version");
                if (Integer.parseInt(version.substring(0, version.indexOf('.'))) < MIN_MAJOR_VERSION) {
                    throw new IllegalStateException(binary + " is Redis " + version + "; the tests need " + MIN_MAJOR_VERSION
                            + ".0 or newer, as " + IMAGE + "; " + INSTALL_HINT);
                }
            } catch (RuntimeException e) {
                stop();
                throw e;
            }
        }

        private String info(String field) {
            try {
                return command(port, "INFO", "server").lines().filter(l -> l.startsWith(field + ":"))
                        .map(l -> l.substring(field.length() + 1).strip()).findFirst()
                        .orElseThrow(() -> new IllegalStateException("INFO server on port " + port + " has no " + field));
            } catch (IOException e) {
                throw new UncheckedIOException("INFO server on port " + port, e);
            }
        }

        private void terminate() {
            if (process == null) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }

        private Path log() {
            return dir.resolve("redis.log");
        }

        private String logText() {
            try {
                return Files.readString(log());
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }
    }

    /**
     * Polls PING until the server answers, its process died, or the deadline passed; the failure
     * carries the server's output.
     */
    static void awaitReady(int port, Process processOrNull, Duration timeout, Supplier<String> log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (processOrNull != null && !processOrNull.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with " + processOrNull.exitValue()
                        + "; its output:\n" + log.get());
            }
            try {
                if ("PONG".equals(command(port, "PING"))) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("Redis on port " + port + " did not answer PING within " + timeout + " (" + last
                + "); its output:\n" + log.get());
    }

    /**
     * Sends one command on a fresh connection and returns its reply as text: enough RESP for
     * PING, INFO and CLUSTER INFO, and no client library in the fixture's way.
     */
    static String command(int port, String... args) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), (int) PROBE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
            }
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String line = readLine(in);
            switch (line.isEmpty() ? ' ' : line.charAt(0)) {
                case '+':
                case ':':
                    return line.substring(1);
                case '$':
                    int length = Integer.parseInt(line.substring(1));
                    return length < 0 ? null : new String(in.readNBytes(length), StandardCharsets.UTF_8);
                case '-':
                    throw new IOException("Redis on port " + port + " answered " + String.join(" ", args) + " with " + line.substring(1));
                default:
                    throw new IOException("unexpected reply to " + String.join(" ", args) + " on port " + port + ": " + line);
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-reply");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** A port free right now on loopback; the caller retries if someone takes it first. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The binary on the PATH or in /usr/bin, where Debian puts it (a login shell may leave that off the PATH). */
    static Path binary(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + java.io.File.pathSeparator + "/usr/bin";
        return Stream.of(path.split(java.io.File.pathSeparator)).filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not installed (neither on the PATH nor in /usr/bin), "
                        + "and these tests need a real Redis: the fixtures run the local binaries when no Docker engine "
                        + "answers, and always for a cluster; " + INSTALL_HINT));
    }

    /** Runs a command to completion within {@code timeout}; a failure carries its output. */
    static String run(List<String> command, String what, Duration timeout) {
        Path output = null;
        Process process = null;
        try {
            output = Files.createTempFile("bifrost-redis-", ".out");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            String text = Files.readString(output).strip();
            if (!exited) {
                throw new IllegalStateException(what + " did not finish within " + timeout + "; its output: " + text);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(what + " failed (exit " + process.exitValue() + "): " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(what + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + what, e);
        } finally {
            if (process != null) {
                process.destroyForcibly();
            }
            if (output != null) {
                output.toFile().delete();
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a test for
        }
    }
}
