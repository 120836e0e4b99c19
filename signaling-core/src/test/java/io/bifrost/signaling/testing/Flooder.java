package io.bifrost.signaling.testing;

import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.protocol.ErrorCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One hostile client, from an address of its own, that floods a node while told to: a session in
 * a room writing chat, offers to the room's members, malformed JSON, binary frames and frames
 * above limits.maxMessageBytes as fast as the node takes them; and, beside it, a storm of joins
 * with fresh tokens, which holds half of what is admitted and has the other half closed by a
 * frame announced above limits.maxFrameBytes. It runs in a process of its own ({@link
 * FlooderProcess}), as an attacker would on its own machine: its garbage and its threads must
 * not pause the clients a test measures.
 */
public final class Flooder {
    private static final byte[] CODE = "\"code\":\"".getBytes(StandardCharsets.UTF_8);
    private static final Pattern REASON = Pattern.compile("\"reason\"\\s*:\\s*\"([^\"]+)\"");
    private static final List<byte[]> CODES = Arrays.stream(ErrorCode.values())
            .map(c -> (c.wireName() + "\"").getBytes(StandardCharsets.UTF_8)).toList();
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;   // the default limits.maxMessageBytes
    private static final int MAX_FRAME_BYTES = 1024 * 1024;   // the default limits.maxFrameBytes

    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InetAddress from;
    private final int port;
    private final String room;
    private final byte[] mix;
    private final int mixFrames;
    private final byte[] overFrameLimit = RawWebSocket.textStart(MAX_FRAME_BYTES + 1);
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final LongAdder written = new LongAdder();   // frames the session got onto its connection
    private final LongAdder closedTooLarge = new LongAdder();
    private final LongAdder admitted = new LongAdder();
    private final AtomicInteger stormJoins = new AtomicInteger();
    private final List<RawWebSocket> open = new CopyOnWriteArrayList<>();
    private volatile boolean flooding;

    Flooder(InetAddress from, int port, String room, List<String> members) {
        this.from = from;
        this.port = port;
        this.room = room;
        List<byte[]> frames = frames(members);
        this.mixFrames = frames.size();
        this.mix = concat(frames);
    }

    /**
     * Takes commands on standard input, one a line: {@code flood <millis> <joins a second>} floods
     * that long and answers {@code flooded}; {@code report} answers with what it counted, then {@code end}.
     *
     * @param args the address to connect from, the node's port, the room, its members' participant ids
     */
    public static void main(String[] args) throws Exception {
        Flooder flooder = new Flooder(InetAddress.getByName(args[0]), Integer.parseInt(args[1]), args[2],
                Arrays.asList(args[3].split(",")));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] command = line.split(" ");
            if (command[0].equals("flood")) {
                flooder.flood(Duration.ofMillis(Long.parseLong(command[1])), Integer.parseInt(command[2]));
                System.out.println("flooded");
            } else if (command[0].equals("report")) {
                flooder.refusals().forEach((code, count) -> System.out.println("refused " + code + " " + count));
                System.out.println("written " + flooder.written.sum());
                System.out.println("closedTooLarge " + flooder.closedTooLarge.sum());
                System.out.println("admitted " + flooder.admitted.sum());
                System.out.println("end");
            }
            System.out.flush();
        }
    }

    /**
     * Floods for this long, then stops everything it started.
     *
     * @param joinsPerSecond how fast the storm joins, or 0 for as fast as it can
     */
    void flood(Duration length, int joinsPerSecond) throws Exception {
        flooding = true;
        List<Thread> threads = List.of(start("flood-session", this::session), start("flood-joins", () -> storm(joinsPerSecond)));
        Thread.sleep(length.toMillis());
        flooding = false;
        closeAll(); // a writer blocked on a full connection stops now, not once the node read it all
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
            if (thread.isAlive()) {
                count("stuck: " + thread.getName()); // the test sees it among the refusals, and fails
            }
        }
        closeAll(); // and what was opened meanwhile
    }

    private void closeAll() {
        for (RawWebSocket socket : open) {
            close(socket);
            open.remove(socket);
        }
    }

    Map<String, Long> refusals() {
        Map<String, Long> counts = new TreeMap<>();
        refusals.forEach((code, count) -> counts.put(code, count.sum()));
        return counts;
    }

    /** Writes the mix over and over for as long as the flood lasts, joining again whenever refused or cut. */
    private void session() {
        while (flooding) {
            RawWebSocket socket = join(room, "flooder");
            if (socket == null) {
                continue; // refused (join-rate): asking again at once is part of the flood
            }
            start("flood-reader", () -> socket.read(this::answer));
            try {
                while (flooding) {
                    socket.send(mix); // blocks while the node does not read
                    written.add(mixFrames);
                }
            } catch (IOException closed) {
                // closed by the node, or by flood()'s end
            } finally {
                close(socket);
            }
        }
    }

    /** Joins with fresh tokens; holds every other connection admitted, and gets the rest closed. */
    private void storm(int joinsPerSecond) {
        boolean hold = false;
        long next = System.nanoTime();
        while (flooding) {
            if (joinsPerSecond > 0) {
                next += 1_000_000_000L / joinsPerSecond;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            RawWebSocket socket = join("storm-" + stormJoins.incrementAndGet(), "storm");
            if (socket == null) {
                continue;
            }
            admitted.increment();
            hold = !hold;
            if (hold) {
                continue; // open until the flood ends: the address's connections fill up
            }
            try {
                // Only the start of a frame announced above limits.maxFrameBytes: the node must refuse it by its head.
                socket.readTimeout(WAIT).send(overFrameLimit);
                if (socket.read(this::answer) == 1009) {
                    closedTooLarge.increment();
                }
            } catch (IOException cut) {
                // closed before the head was written: not counted
            } finally {
                close(socket);
            }
        }
    }

    /** @return the open websocket, or null when refused (the reason counted) */
    private RawWebSocket join(String room, String identity) {
        String token = ISSUER.issue(TokenRequest.builder(room, identity).role(Role.SPEAKER).build());
        try {
            RawWebSocket.Attempt attempt = RawWebSocket.connect(from, port,
                    "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
            if (attempt.opened()) {
                open.add(attempt.socket());
                return attempt.socket();
            }
            Matcher reason = REASON.matcher(attempt.body());
            count(reason.find() ? reason.group(1) : "status-" + attempt.status());
        } catch (IOException e) {
            count("io: " + e.getMessage());
        }
        return null;
    }

    /** Counts the code of each error the node answers, without allocating: the test's own collector stays out of it. */
    private void answer(int opcode, byte[] payload, int length) {
        int at = opcode == 0x1 ? indexOf(payload, length, CODE, 0) : -1;
        if (at < 0) {
            return;
        }
        at += CODE.length;
        for (int i = 0; i < CODES.size(); i++) {
            byte[] code = CODES.get(i);
            if (indexOf(payload, Math.min(length, at + code.length), code, at) == at) {
                count(ErrorCode.values()[i].wireName());
                return;
            }
        }
    }

    private void count(String code) {
        refusals.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    private void close(RawWebSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a reset connection has nothing left to close
        }
    }

    /** The frames the session writes over and over, masked once: two above limits.maxMessageBytes among 200. */
    private static List<byte[]> frames(List<String> members) {
        List<byte[]> frames = new ArrayList<>();
        String sdp = "v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n";
        for (int i = 0; i < 200; i++) {
            String id = "\"id\":\"f" + i + "\"";
            switch (i % 5) {
                case 0, 1 -> frames.add(RawWebSocket.text("{\"type\":\"chat\"," + id + ",\"text\":\"flood " + i + "\"}"));
                case 2 -> frames.add(RawWebSocket.text("{\"type\":\"offer\"," + id + ",\"to\":\"" + members.get(i % members.size())
                        + "\",\"sdp\":\"" + sdp + "\"}"));
                case 3 -> frames.add(RawWebSocket.text("{\"type\":\"chat\"," + id + ",\"text\":")); // malformed
                default -> frames.add(i % 10 == 4 ? RawWebSocket.binary(new byte[] {1, 2, 3})
                        : RawWebSocket.text("{\"type\":\"candidate\"," + id + ",\"to\":\"p_nobody\",\"candidate\":null}"));
            }
            if (i % 100 == 10) { // early in the mix too, so that some come within the burst a session starts with
                frames.add(RawWebSocket.text("{\"type\":\"chat\",\"id\":\"big" + i + "\",\"text\":\"" + "y".repeat(MAX_MESSAGE_BYTES)
                        + "\"}"));
            }
        }
        return frames;
    }

    private static byte[] concat(List<byte[]> frames) {
        byte[] all = new byte[frames.stream().mapToInt(f -> f.length).sum()];
        int at = 0;
        for (byte[] frame : frames) {
            System.arraycopy(frame, 0, all, at, frame.length);
            at += frame.length;
        }
        return all;
    }

    private static int indexOf(byte[] data, int length, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static Thread start(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
