package io.bifrost.bench.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process's CPU time so far (user plus system, all threads) and resident memory, read from
 * /proc: what the server costs, measured from outside it, the same way for a JVM and for node.
 * The system part is kept apart: on loopback it includes the receiving side's TCP work, which
 * the kernel runs on the sender's time, and it is the part no server code can make cheaper
 * except by writing less often.
 */
public record ProcessSample(long cpuMicros, long systemMicros, long rssKb) {
    private static final long TICKS_PER_SECOND = clockTicks();

    public static ProcessSample of(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) may hold spaces and parentheses; the fields after its closing
        // parenthesis start with field 3, so utime (field 14) and stime (15) are the 12th and 13th.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long systemTicks = Long.parseLong(fields[12]);
        long ticks = Long.parseLong(fields[11]) + systemTicks;
        return new ProcessSample(micros(ticks), micros(systemTicks), rssKb(pid));
    }

    /** The sum over several processes, e.g. the nodes of a cluster; empty when {@code pids} is. */
    public static ProcessSample total(List<Long> pids) throws IOException {
        long cpu = 0;
        long system = 0;
        long rss = 0;
        for (long pid : pids) {
            ProcessSample sample = of(pid);
            cpu += sample.cpuMicros();
            system += sample.systemMicros();
            rss += sample.rssKb();
        }
        return new ProcessSample(cpu, system, rss);
    }

    private static long micros(long ticks) {
        return TimeUnit.SECONDS.toMicros(ticks) / TICKS_PER_SECOND;
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip());
            }
        }
        return 0; // a zombie has no memory left
    }

    /** USER_HZ, the unit of /proc's times: 100 on every Linux in practice, asked of getconf to be sure. */
    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).strip();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
