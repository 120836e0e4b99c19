package io.bifrost.rooms.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.rooms.room.RoomEvent;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A room history that the test answers by hand: each read waits until the test completes it,
 * and the feed's callbacks then run on the test's thread.
 */
final class ManualHistory implements RoomFeed.History {
    private final BlockingQueue<Read> reads = new LinkedBlockingQueue<>();

    /** One read the feed asked for. */
    record Read(String room, long fromSeq, long toSeq, CompletableFuture<List<RoomEvent>> result) {

        /** Answers with these events: all of the range, part of it, or none when it was trimmed away. */
        void answer(RoomEvent... events) {
            assertThat(result.complete(List.of(events))).as("answered once").isTrue();
        }

        void fail(Throwable cause) {
            assertThat(result.completeExceptionally(cause)).as("answered once").isTrue();
        }
    }

    @Override
    public CompletionStage<List<RoomEvent>> read(String room, long fromSeq, long toSeq) {
        Read read = new Read(room, fromSeq, toSeq, new CompletableFuture<>());
        reads.add(read);
        return read.result;
    }

    /** The oldest read not yet taken; there must be one. */
    Read take() {
        Read read = reads.poll();
        assertThat(read).as("the feed read its history").isNotNull();
        return read;
    }

    /** The reads not yet taken. */
    List<Read> pending() {
        return List.copyOf(reads);
    }
}
