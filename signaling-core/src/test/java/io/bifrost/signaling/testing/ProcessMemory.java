package io.bifrost.signaling.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a JVM process on this machine holds: the objects still reachable after a full GC (the
 * measure a leak grows), and its resident set and threads from {@code /proc}.
 *
 * @param liveHeapBytes bytes of reachable objects, from {@code jcmd <pid> GC.class_histogram},
 *     which runs a full GC first: unlike the heap's use at any moment, it does not swing with
 *     garbage waiting for the next collection
 * @param rssBytes the resident set ({@code VmRSS}): heap pages touched so far, metaspace, code,
 *     thread stacks, direct buffers
 * @param threads the process's threads
 */
public record ProcessMemory(long liveHeapBytes, long rssBytes, int threads) {
    private static final long JCMD_TIMEOUT_SECONDS = 30;

    public static ProcessMemory of(long pid) throws IOException, InterruptedException {
        long live = liveHeap(pid);
        List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8);
        return new ProcessMemory(live, field(status, "VmRSS:") * 1024, (int) field(status, "Threads:"));
    }

    /** The histogram's last line: {@code Total <instances> <bytes>}. */
    private static long liveHeap(long pid) throws IOException, InterruptedException {
        String out = jcmd(pid, "GC.class_histogram");
        return out.lines().filter(line -> line.startsWith("Total")).findFirst()
                .map(line -> Long.parseLong(line.trim().split("\\s+")[2]))
                .orElseThrow(() -> new AssertionError("no Total in jcmd's histogram: " + out));
    }

    /** Writes the objects still reachable in process {@code pid} (after a full GC) to {@code file}, as HPROF. */
    public static void dumpHeap(long pid, Path file) throws IOException, InterruptedException {
        jcmd(pid, "GC.heap_dump", file.toAbsolutePath().toString());
    }

    private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        line.addAll(List.of(command));
        Process run = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!run.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS) || run.exitValue() != 0) {
            run.destroyForcibly();
            throw new AssertionError("jcmd " + pid + " " + String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static long field(List<String> status, String name) {
        return status.stream().filter(line -> line.startsWith(name)).findFirst()
                .map(line -> Long.parseLong(line.substring(name.length()).replace("kB", "").trim()))
                .orElseThrow(() -> new AssertionError("no " + name + " in /proc status"));
    }

    @Override
    public String toString() {
        return "live heap " + liveHeapBytes / (1024 * 1024) + " MB, RSS " + rssBytes / (1024 * 1024) + " MB, "
                + threads + " threads";
    }
}
