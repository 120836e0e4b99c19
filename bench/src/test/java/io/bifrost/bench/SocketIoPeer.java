package io.bifrost.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The socket.io peer (bench/socketio) as a child process on a free loopback port. */
final class SocketIoPeer implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("socket\\.io peer ready on [^:]+:(\\d+) ");

    private final Process process;
    private final int port;

    private SocketIoPeer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the in-memory peer; installs its packages first when they are missing. */
    static SocketIoPeer start(Path dir) throws Exception {
        requireNode();
        if (!Files.isDirectory(dir.resolve("node_modules"))) {
            run(dir, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 300);
        }
        // --expose-gc: the storm asks the peer for its live heap after a collection, as bench/run starts it
        Process process = new ProcessBuilder("node", "--expose-gc", "server.mjs", "--port", "0", "--adapter", "memory")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        return Integer.parseInt(m.group(1));
                    }
                    System.err.println("socket.io peer: " + line);
                }
                throw new IllegalStateException("the socket.io peer exited before it was ready");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            int port = ready.get(30, TimeUnit.SECONDS);
            // Keep draining its output so that it never blocks on a full pipe.
            Thread drain = new Thread(() -> out.lines().forEach(l -> System.err.println("socket.io peer: " + l)));
            drain.setDaemon(true);
            drain.start();
            return new SocketIoPeer(process, port);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The benchmark compares against a real socket.io: without Node.js the harness is broken, not skipped. */
    private static void requireNode() throws InterruptedException {
        try {
            run(Path.of("."), List.of("node", "--version"), 30);
        } catch (IOException e) {
            throw new IllegalStateException("Node.js is needed to run the socket.io peer (Debian: apt-get install nodejs npm): " + e.getMessage(), e);
        }
    }

    private static void run(Path dir, List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " took longer than " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue());
        }
    }
}
