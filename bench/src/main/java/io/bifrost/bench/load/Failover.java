package io.bifrost.bench.load;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 5: one server node killed with SIGKILL in the middle of the window, while the dropped
 * participants come back on the other nodes. It kills, notes who came back and how, and accounts
 * for the messages afterwards.
 *
 * <p>Losses are counted against what the room accepted: a message that at least one participant
 * received was in the room, so every participant must receive it (those that resumed through the
 * replay); a message no participant received was written to the killed node and died with it,
 * unacknowledged, which no server can prevent and a client answers by sending it again. These are
 * counted apart, as {@link LoadResult.Recovery#unaccepted()}.
 */
final class Failover {
    private final long pid;
    private final Duration after;
    private final AtomicLong lastBackAt = new AtomicLong();
    /** Who came back, and whether it resumed its session: written by the IO threads. */
    private final Map<String, Boolean> back = new ConcurrentHashMap<>();
    private volatile long killedAt;
    /** Who was not in the room when the wait for comebacks ended; the run's thread only. */
    private Set<String> notBack = Set.of();

    /**
     * @param pid   the server node to kill
     * @param after when to kill it, from the window's start
     */
    Failover(long pid, Duration after) {
        this.pid = pid;
        this.after = after;
    }

    Duration after() {
        return after;
    }

    /** Kills the node at once, with SIGKILL: no drain, no goodbye to its clients. */
    void kill() {
        ProcessHandle node = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new IllegalStateException("the node to kill, pid " + pid + ", is not running"));
        killedAt = System.nanoTime();
        if (!node.destroyForcibly()) {
            throw new IllegalStateException("could not kill pid " + pid);
        }
    }

    /** On an IO thread: a dropped participant is back. */
    void back(WsConnection connection, boolean resumed) {
        back.put(connection.identity, resumed);
        lastBackAt.accumulateAndGet(System.nanoTime(), Math::max);
    }

    /**
     * Waits until every participant is in the room again, or until {@code deadline}
     * (System.nanoTime), and notes who is not.
     */
    void awaitBack(List<WsConnection> participants, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline
                && participants.stream().anyMatch(p -> p.state() != WsConnection.State.JOINED)) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        notBack = participants.stream().filter(p -> p.state() != WsConnection.State.JOINED)
                .map(p -> p.identity).collect(Collectors.toSet());
    }

    /** What the kill did; call once the IO threads stopped. */
    LoadResult.Recovery outcome(long windowStart, long unaccepted) {
        int resumed = 0;
        int rejoined = 0;
        for (Map.Entry<String, Boolean> comeback : back.entrySet()) {
            if (!notBack.contains(comeback.getKey())) {
                resumed += comeback.getValue() ? 1 : 0;
                rejoined += comeback.getValue() ? 0 : 1;
            }
        }
        long backMillis = back.isEmpty() ? 0 : TimeUnit.NANOSECONDS.toMillis(lastBackAt.get() - killedAt);
        return new LoadResult.Recovery(Math.round((killedAt - windowStart) / 1e6) / 1000.0,
                resumed + rejoined + notBack.size(), resumed, rejoined, notBack.size(), backMillis, unaccepted);
    }

    /**
     * The messages the room accepted: those at least one participant received, counted once.
     *
     * @param seen per participant, per publisher, the sequence numbers it received in the window
     */
    static long accepted(List<BitSet[]> seen, int publishers) {
        long accepted = 0;
        for (int p = 0; p < publishers; p++) {
            BitSet union = new BitSet();
            for (BitSet[] participant : seen) {
                if (participant[p] != null) {
                    union.or(participant[p]);
                }
            }
            accepted += union.cardinality();
        }
        return accepted;
    }
}
