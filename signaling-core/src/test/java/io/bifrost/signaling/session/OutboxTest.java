package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class OutboxTest {
    private static final int LIMIT = 3;

    private final RecordingConnection connection = new RecordingConnection();
    private final AtomicInteger broken = new AtomicInteger();
    private final Outbox outbox = new Outbox(connection, LIMIT, broken::incrementAndGet);

    @Test
    void aBurstOfHeldFramesLeavesAsOneRunEndedByTheFlush() {
        outbox.hold(utf8("a"));
        outbox.hold(utf8("b"));
        outbox.hold(utf8("c"));
        List<String> beforeFlush = connection.sent();

        outbox.flush();
        outbox.flush();

        assertThat(beforeFlush).containsExactly("a+", "b+");
        assertThat(connection.sent()).containsExactly("a+", "b+", "c");
    }

    @Test
    void aFrameSentDuringABurstGoesAfterTheHeldOne() {
        outbox.hold(utf8("event"));

        outbox.send("ack");

        assertThat(connection.sent()).containsExactly("event+", "ack");
    }

    @Test
    void closingWritesTheHeldFrameFirst() {
        outbox.hold(utf8("event"));

        outbox.close(1000, "left");

        assertThat(connection.sent()).containsExactly("event", "close 1000 left");
    }

    @Test
    void aFullQueueRefusesAndQueuesNothingUntilFramesAreWritten() {
        connection.completeWrites = false;
        assertThat(outbox.send("1")).isTrue();
        assertThat(outbox.send("2")).isTrue();
        assertThat(outbox.hold(utf8("3"))).as("a held frame counts").isTrue();

        assertThat(outbox.send("4")).isFalse();
        assertThat(outbox.hold(utf8("5"))).isFalse();
        connection.writeAll();

        assertThat(outbox.send("6")).isTrue();
        assertThat(connection.sent()).containsExactly("1", "2", "3+", "6");
    }

    @Test
    void abortingDropsTheHeldFrame() {
        outbox.hold(utf8("event"));

        outbox.abort();
        outbox.flush();

        assertThat(connection.sent()).containsExactly("abort");
    }

    @Test
    void aWriteFailingInsideTheSendIsReportedOnceTheOutboxIsFreeAgain() throws Exception {
        connection.failWrites = true;
        Outbox[] failing = new Outbox[1];
        List<Object> reactions = new ArrayList<>();
        failing[0] = new Outbox(connection, LIMIT, () -> {
            // Reacting takes other locks, which other threads hold while they use this outbox:
            // it must be free by now, or they would wait on each other for good.
            try {
                reactions.add(CompletableFuture.supplyAsync(() -> failing[0].hold(utf8("next"))).get(10, TimeUnit.SECONDS));
            } catch (Exception e) {
                reactions.add(e);
            }
        });

        failing[0].send("doomed");

        assertThat(reactions).containsExactly(true);
    }

    private static byte[] utf8(String frame) {
        return frame.getBytes(StandardCharsets.UTF_8);
    }

    /** Records frames as text, with "+" for a frame followed by more; completes or fails writes at once unless told. */
    private static final class RecordingConnection implements Connection {
        private final List<String> sent = new ArrayList<>();
        private final List<Runnable> pending = new ArrayList<>();
        boolean completeWrites = true;
        boolean failWrites;

        @Override
        public synchronized void send(byte[] utf8, boolean more, Runnable written, Consumer<Throwable> failed) {
            String frame = new String(utf8, StandardCharsets.UTF_8);
            sent.add(more ? frame + "+" : frame);
            if (failWrites) {
                failed.accept(new IllegalStateException("connection gone"));
            } else if (completeWrites) {
                written.run();
            } else {
                pending.add(written);
            }
        }

        synchronized List<String> sent() {
            return List.copyOf(sent);
        }

        void writeAll() {
            List<Runnable> done;
            synchronized (this) {
                done = new ArrayList<>(pending);
                pending.clear();
            }
            done.forEach(Runnable::run);
        }

        @Override
        public void demand() {}

        @Override
        public synchronized void close(int statusCode, String reason) {
            sent.add("close " + statusCode + " " + reason);
        }

        @Override
        public synchronized void abort() {
            sent.add("abort");
        }
    }
}
