package io.bifrost.sfu.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A network namespace joined to the host by a veth pair, with a /24 of its own: the host side is
 * {@code 10.x.y.1}, the namespace side {@code 10.x.y.2}. Janus skips loopback interfaces when it
 * gathers ICE candidates, so anything that needs media runs inside one of these. Needs root and
 * the {@code ip} tool; it fails, never skips, without them.
 *
 * <pre>{@code
 * try (NetnsFixture ns = NetnsFixture.create();
 *      JanusFixture janus = JanusFixture.startIn(ns)) {
 *     URI api = janus.wsUri();    // ws://10.x.y.2:port, reachable from the host
 * }
 * }</pre>
 *
 * Everything is removed on {@link #close()}, and by a shutdown hook if the test run is killed.
 */
public final class NetnsFixture implements AutoCloseable {
    static final String INSTALL_HINT = "install it with: apt-get install iproute2";
    /** ip(8) returns at once; anything longer means the machine is in trouble. */
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    /** Subnets tried before giving up: another run on the machine may hold the one we picked. */
    private static final int SUBNET_ATTEMPTS = 20;
    /** Processes inside get this long for SIGTERM before SIGKILL. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final String hostInterface;
    private final String hostAddress;
    private final String nsAddress;
    private final List<Process> processes = new ArrayList<>(); // guarded by this
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread cleanup;

    private NetnsFixture(String name, String hostInterface, String hostAddress, String nsAddress) {
        this.name = name;
        this.hostInterface = hostInterface;
        this.hostAddress = hostAddress;
        this.nsAddress = nsAddress;
        this.cleanup = new Thread(this::remove, "netns-fixture-cleanup-" + name);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Creates the namespace and its link; fails with a clear message if not root or without ip(8). */
    public static NetnsFixture create() {
        Commands.binary("ip", INSTALL_HINT);
        String uid = Commands.run(List.of("id", "-u"), IP_TIMEOUT);
        if (!"0".equals(uid)) {
            throw new IllegalStateException("creating a network namespace needs root (uid 0), and this is uid " + uid
                    + "; run the Janus media tests as root");
        }
        String used = Commands.run(List.of("ip", "-o", "-4", "addr"), IP_TIMEOUT);
        for (int attempt = 0; attempt < SUBNET_ATTEMPTS; attempt++) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            // 10.200.0.0-10.249.255.0: away from the 10.0.x and 10.1x.x ranges other tools like
            String prefix = "10." + random.nextInt(200, 250) + "." + random.nextInt(0, 256) + ".";
            if (used.contains(" " + prefix)) {
                continue;
            }
            String id = HexFormat.of().toHexDigits(random.nextInt()).substring(2); // 6 hex digits: names stay ≤ 15 chars
            NetnsFixture ns = new NetnsFixture("bfns-" + id, "bfh-" + id, prefix + "1", prefix + "2");
            try {
                ns.build("bfn-" + id);
                return ns;
            } catch (RuntimeException e) {
                ns.close();
                if (!e.getMessage().contains("File exists")) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("no free 10.x.y.0/24 subnet or namespace name in " + SUBNET_ATTEMPTS + " attempts");
    }

    private void build(String nsInterface) {
        ip("netns", "add", name);
        ip("link", "add", hostInterface, "type", "veth", "peer", "name", nsInterface);
        ip("link", "set", nsInterface, "netns", name);
        // No IPv6 link-local addresses: each would appear a second or two after the link comes up
        // (once duplicate address detection ends), and Chromium, seeing the network change,
        // fails the page loads in flight with ERR_NETWORK_CHANGED.
        ip("link", "set", hostInterface, "addrgenmode", "none");
        ip("netns", "exec", name, "ip", "link", "set", nsInterface, "addrgenmode", "none");
        ip("addr", "add", hostAddress + "/24", "dev", hostInterface);
        ip("link", "set", hostInterface, "up");
        ip("netns", "exec", name, "ip", "addr", "add", nsAddress + "/24", "dev", nsInterface);
        ip("netns", "exec", name, "ip", "link", "set", nsInterface, "up");
        ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        Commands.run(command, IP_TIMEOUT);
    }

    public String name() {
        return name;
    }

    /** The host's end of the link, e.g. {@code 10.214.7.1}. */
    public String hostAddress() {
        return hostAddress;
    }

    /** The namespace's end of the link, e.g. {@code 10.214.7.2}: where servers inside listen. */
    public String nsAddress() {
        return nsAddress;
    }

    /** The prefix that runs a command inside the namespace: {@code ip netns exec <name>}. */
    public List<String> execPrefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /**
     * Starts a process inside the namespace, its output going to {@code log}; it is killed on
     * {@link #close()} if still running.
     */
    public Process start(List<String> command, Path log) {
        List<String> full = new ArrayList<>(execPrefix());
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            synchronized (this) {
                processes.add(process);
            }
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + full, e);
        }
    }

    /** Kills what runs inside, deletes the namespace and the host's end of the link; idempotent. */
    @Override
    public void close() {
        Commands.removeShutdownHook(cleanup);
        remove();
    }

    private void remove() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Process> started;
        synchronized (this) {
            started = List.copyOf(processes);
        }
        started.forEach(process -> Commands.stop(process, STOP_TIMEOUT));
        // anything else still inside (started by hand through execPrefix) goes too
        String pids = Commands.runQuietly(List.of("ip", "netns", "pids", name), IP_TIMEOUT);
        for (String pid : pids.split("\\s+")) {
            if (pid.matches("\\d+")) {
                Commands.runQuietly(List.of("kill", "-KILL", pid), IP_TIMEOUT);
            }
        }
        Commands.runQuietly(List.of("ip", "netns", "del", name), IP_TIMEOUT);
        if (Files.exists(Path.of("/sys/class/net", hostInterface))) {
            Commands.runQuietly(List.of("ip", "link", "del", hostInterface), IP_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "netns " + name + " (" + hostAddress + " <-> " + nsAddress + ")";
    }
}
