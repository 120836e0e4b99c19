package io.bifrost.bench.proc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process's live heap: what its objects take once a full garbage collection freed the
 * rest, asked of the process itself, since /proc sees only the memory the heap reserved. A JVM
 * is asked with {@code jcmd} ({@code GC.run}, then {@code GC.heap_info}); the socket.io peer,
 * started with {@code --expose-gc}, answers {@code GET /memory} after collecting.
 */
@FunctionalInterface
public interface HeapProbe {
    /** jcmd attaches in well under a second; a JVM that does not answer in this long is in trouble. */
    Duration TIMEOUT = Duration.ofSeconds(30);

    /** Bytes of heap in use after a full garbage collection. */
    long liveHeapBytes() throws IOException, InterruptedException;

    /** The JVM with process id {@code pid}, asked with the jcmd of this JDK. */
    static HeapProbe jvm(long pid) {
        return () -> {
            Path commands = Files.createTempFile("bench-jcmd-", ".txt");
            try {
                Files.writeString(commands, "GC.run\nGC.heap_info\n");
                Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
                Process process = new ProcessBuilder(List.of(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                        Long.toString(pid), "-f", commands.toString())).redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new IOException("jcmd " + pid + " failed: " + out.strip());
                }
                return jvmHeapUsed(out);
            } finally {
                Files.deleteIfExists(commands);
            }
        };
    }

    /** The socket.io peer whose HTTP server is at {@code base}, e.g. {@code http://127.0.0.1:3000}. */
    static HeapProbe node(URI base) {
        return () -> {
            // HTTP/1.1: the h2c upgrade that HTTP/2 asks for first is cut off by socket.io, which takes every upgrade
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(base.resolve("/memory")).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode memory = new ObjectMapper().readTree(answer.body());
            if (answer.statusCode() != 200 || !memory.path("collected").asBoolean() || !memory.has("heapUsed")) {
                throw new IOException(base + "/memory answered " + answer.statusCode() + " " + answer.body()
                        + " (the peer collects only when node runs with --expose-gc)");
            }
            return memory.path("heapUsed").asLong();
        };
    }

    /**
     * The sum of the "used" of every heap space in {@code GC.heap_info}'s answer, e.g.
     * {@code def new generation total 4928K, used 1234K} and {@code tenured generation …} (Serial),
     * {@code garbage-first heap total 262144K, used 2048K} (G1); Metaspace is not heap.
     */
    static long jvmHeapUsed(String heapInfo) throws IOException {
        Matcher m = Pattern.compile("(?m)^\\s*[\\w -]+?\\s+total \\d+K, used (\\d+)K").matcher(heapInfo);
        long kb = 0;
        boolean found = false;
        while (m.find()) {
            kb += Long.parseLong(m.group(1));
            found = true;
        }
        if (!found) {
            throw new IOException("no heap space in GC.heap_info: " + heapInfo.strip());
        }
        return kb * 1024;
    }
}
