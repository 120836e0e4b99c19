package io.bifrost.signaling.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real coturn ({@code turnserver}, Debian's {@code coturn}) on a loopback port, checking
 * credentials in the shared-secret scheme ({@code use-auth-secret}), relaying on loopback only.
 * {@code scripts/test} installs it; a missing binary fails the test rather than skipping it.
 */
public final class CoturnFixture implements AutoCloseable {
    private static final Path TURNSERVER = Path.of("/usr/bin/turnserver");
    private static final Path UCLIENT = Path.of("/usr/bin/turnutils_uclient");
    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final Process process;
    private final Path dir;
    private final int port;

    private CoturnFixture(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static CoturnFixture start(String secret) throws Exception {
        for (Path binary : List.of(TURNSERVER, UCLIENT)) {
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(binary + " is missing: install Debian's coturn (scripts/test does)");
            }
        }
        Path dir = Files.createTempDirectory("bifrost-coturn");
        int port = LoopbackPorts.free();
        Process process = new ProcessBuilder(TURNSERVER.toString(), "-n",
                "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=" + port,
                "--use-auth-secret", "--static-auth-secret=" + secret, "--realm=bifrost.test",
                "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
                "--db=" + dir.resolve("turndb"), "--pidfile=" + dir.resolve("turnserver.pid"),
                "--log-file=stdout", "--simple-log")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("turnserver.log").toFile())
                .start();
        CoturnFixture coturn = new CoturnFixture(process, dir, port);
        coturn.awaitListening();
        return coturn;
    }

    /** The port coturn listens on, UDP and TCP. */
    public int port() {
        return port;
    }

    /**
     * Runs {@code turnutils_uclient} in client-to-client mode: two allocations on this server that
     * send each other a few messages through their relays.
     */
    public Allocation allocate(String username, String credential) throws Exception {
        Process client = new ProcessBuilder(UCLIENT.toString(), "-y", "-n", "3", "-m", "1", "-l", "100",
                "-u", username, "-w", credential, "-p", Integer.toString(port), "127.0.0.1")
                .redirectErrorStream(true)
                .start();
        if (!client.waitFor(30, TimeUnit.SECONDS)) {
            client.destroyForcibly();
            throw new IllegalStateException("turnutils_uclient did not finish within 30 s");
        }
        return new Allocation(client.exitValue(), new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** What {@code turnutils_uclient} said: exit code 0 and the messages it got back through the relays. */
    public record Allocation(int exitCode, String output) {
        public boolean relayed() {
            return exitCode == 0 && output.contains("Total lost packets 0") && !output.contains("tot_recv_msgs=0\n");
        }
    }

    public String log() throws IOException {
        return Files.readString(dir.resolve("turnserver.log"));
    }

    private void awaitListening() throws Exception {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("turnserver exited: " + log());
            }
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("turnserver did not listen on " + port + " within 10 s: " + log());
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
