package io.bifrost.signaling.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** A {@link Flooder} in a process of its own, told when to flood over its standard input. */
public final class FlooderProcess implements AutoCloseable {
    private final Process process;
    private final Writer commands;
    private final BufferedReader answers;

    /** What the flooder counted: refusals by code or reason, frames written, connections closed for a frame too large, joins admitted. */
    public record Report(Map<String, Long> refusals, long written, long closedTooLarge, long admitted) {}

    private FlooderProcess(Process process) {
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** @param members the participant ids in {@code room} that its offers go to */
    public static FlooderProcess start(InetAddress from, int port, String room, List<String> members) throws IOException {
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Flooder.class.getName(),
                from.getHostAddress(), String.valueOf(port), room, String.join(",", members)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new FlooderProcess(process);
    }

    /**
     * Floods for this long; returns once the flooder stopped everything it started.
     *
     * @param joinsPerSecond how fast its storm joins, or 0 for as fast as it can
     */
    public void flood(Duration length, int joinsPerSecond) throws IOException {
        command("flood " + length.toMillis() + " " + joinsPerSecond);
        answer("flooded");
    }

    public Report report() throws IOException {
        command("report");
        Map<String, Long> refusals = new TreeMap<>();
        Map<String, Long> counts = new TreeMap<>();
        for (String line = answer(null); !line.equals("end"); line = answer(null)) {
            String[] words = line.split(" ");
            if (words[0].equals("refused")) {
                refusals.put(line.substring("refused ".length(), line.lastIndexOf(' ')), Long.parseLong(words[words.length - 1]));
            } else if (words.length == 2) {
                counts.put(words[0], Long.parseLong(words[1]));
            }
        }
        return new Report(refusals, counts.getOrDefault("written", 0L), counts.getOrDefault("closedTooLarge", 0L),
                counts.getOrDefault("admitted", 0L));
    }

    private void command(String line) throws IOException {
        commands.write(line + "\n");
        commands.flush();
    }

    /** The next line, or the first that is {@code expected} when one is. */
    private String answer(String expected) throws IOException {
        for (String line; (line = answers.readLine()) != null; ) {
            if (expected == null || line.equals(expected)) {
                return line;
            }
        }
        throw new IOException("the flooder exited (" + process.exitValue() + ")");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }
}
