package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.sfu.testing.NetnsFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A reader's machine for the docs' shell commands, so that they run as printed: a network
 * namespace of its own (port 7800 and the other documented ports are free in it, whatever else
 * runs on this machine), a checkout whose top-level entries link to this one (what the commands
 * write, such as a config file, stays out of the source tree), a home directory of its own (the
 * development key), and terminals that run a block with {@code bash} in the checkout.
 *
 * <p>The checkout's {@code node_modules} is the test harness's, so {@code npx} finds its pinned
 * packages instead of fetching them. The {@code mvn} on its PATH refuses to run: the build comes
 * before this test, and a command that would build (a stale jar) fails instead of starting a
 * second build.
 */
public final class DocSandbox implements AutoCloseable {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    private final NetnsFixture ns;
    private final Path dir;
    private final List<Terminal> terminals = new ArrayList<>();

    private DocSandbox(NetnsFixture ns, Path dir) {
        this.ns = ns;
        this.dir = dir;
    }

    /** @param root the checkout whose docs these are */
    public static DocSandbox create(Path root) throws IOException {
        Path dir = Files.createTempDirectory("bifrost-docs");
        Path checkout = Files.createDirectories(dir.resolve("bifrost"));
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(".") && !name.equals("target")) {
                    Files.createSymbolicLink(checkout.resolve(name), entry.toAbsolutePath());
                }
            }
        }
        Path packages = DocSnippets.NODE_PACKAGES.resolve("node_modules").toAbsolutePath();
        assertThat(packages).as("the docs' Node.js packages; ./scripts/test installs them (npm ci)").isDirectory();
        Files.createSymbolicLink(checkout.resolve("node_modules"), packages);
        Files.createDirectories(dir.resolve("home"));
        Path mvn = Files.createDirectories(dir.resolve("bin")).resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho 'mvn: a command of the docs started a build; build before the docs test' >&2\nexit 1\n");
        assertThat(mvn.toFile().setExecutable(true)).isTrue();
        return new DocSandbox(NetnsFixture.create(), dir);
    }

    /** Where the blocks run: the checkout's root. */
    public Path checkout() {
        return dir.resolve("bifrost");
    }

    /** A directory of the sandbox outside the checkout, made if missing. */
    public Path directory(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    /** The namespace's address, where the host reaches what listens inside. */
    public String address() {
        return ns.nsAddress();
    }

    /** How a script ran: its exit code, what it printed on stdout (stripped) and on stderr. */
    public record Result(int exitCode, String output, String errors) {
        @Override
        public String toString() {
            return "exit code " + exitCode + ", stdout: " + output + "\nstderr: " + errors;
        }
    }

    /** Runs a script to its end (at most 90 s), as in a terminal of its own. */
    public Result run(String script) throws Exception {
        return finish(start(script, true), RUN_TIMEOUT);
    }

    /**
     * Runs a script to its end outside the namespace, where the host's network is: for commands
     * that fetch packages and listen on nothing.
     */
    public Result runOnHost(String script, Duration timeout) throws Exception {
        return finish(start(script, false), timeout);
    }

    /** Starts a script in a terminal of its own and leaves it running; it ends with the sandbox. */
    public Terminal open(String script) throws IOException {
        return start(script, true);
    }

    private static Result finish(Terminal terminal, Duration timeout) throws Exception {
        assertThat(terminal.process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS))
                .as("within %s; it printed: %s", timeout, terminal.output()).isTrue();
        return new Result(terminal.process.exitValue(), terminal.read(terminal.stdout).strip(), terminal.read(terminal.stderr));
    }

    private Terminal start(String script, boolean inNamespace) throws IOException {
        Path stdout = dir.resolve("terminal-" + terminals.size() + ".out");
        Path stderr = dir.resolve("terminal-" + terminals.size() + ".err");
        List<String> command = new ArrayList<>(inNamespace ? ns.execPrefix() : List.of());
        command.addAll(List.of("bash", "-c", script));
        // apart, as in a shell: $(…) takes stdout only
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout().toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("BIFROST_"));
        env.put("PATH", dir.resolve("bin") + ":" + env.get("PATH"));
        env.put("HOME", dir.resolve("home").toString());
        // Java takes its home from the password database, not from HOME; every JVM reads this
        // variable (and says so on stderr), the server jar run without the launcher too
        env.put("JAVA_TOOL_OPTIONS", "-Duser.home=" + dir.resolve("home"));
        Terminal terminal = new Terminal(builder.start(), stdout, stderr);
        terminals.add(terminal);
        return terminal;
    }

    /** Ends everything that runs in the namespace, and removes the sandbox. */
    @Override
    public void close() throws IOException {
        ns.close();
        terminals.forEach(terminal -> terminal.process.destroyForcibly());
        try (Stream<Path> files = Files.walk(dir)) {
            // links are removed as links: what they point to stays
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** A script running in a terminal: what it printed so far. */
    public static final class Terminal {
        private static final Pattern COLOURS = Pattern.compile("\\e\\[[0-9;]*m");
        private final Process process;
        private final Path stdout;
        private final Path stderr;

        private Terminal(Process process, Path stdout, Path stderr) {
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** What it printed so far: stdout, then stderr, as a reader sees it. */
        public String output() throws IOException {
            return read(stdout) + read(stderr);
        }

        /**
         * A file's text without colour codes: tools colour their output when they see {@code CI} in
         * the environment even if it is no terminal (Vite's "Local" is bold, apart from its colon).
         */
        private String read(Path file) throws IOException {
            return COLOURS.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll("");
        }

        /** Waits until the output holds {@code text}, and returns the output. */
        public String await(String text, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!output().contains(text)) {
                assertThat(process.isAlive()).as("the script ended before printing '%s'; it printed: %s", text, output()).isTrue();
                assertThat(System.nanoTime()).as("'%s' within %s; it printed: %s", text, timeout, output()).isLessThan(deadline);
                Thread.sleep(100);
            }
            return output();
        }
    }
}
