package io.bifrost.rooms.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.RoomMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LocalHookQueueTest {
    private final AtomicInteger dropped = new AtomicInteger();
    private final LocalHookQueue queue = new LocalHookQueue(3, dropped::incrementAndGet);
    private final List<String> held = new ArrayList<>();

    @Test
    void aRoomIsHandedOutOnceWithItsHooksInOrderUntilReleased() {
        queue.start(held::add);
        queue.add("a", new RoomHook.Started(RoomMode.MESH));
        queue.add("a", new RoomHook.Finished());
        assertThat(held).as("handed out once, though it got two hooks").containsExactly("a");

        QueuedHook first = head("a");
        assertThat(first.hook()).isEqualTo(new RoomHook.Started(RoomMode.MESH));
        assertThat(head("a")).as("the head stays until removed").isSameAs(first);
        queue.remove("a", first);
        assertThat(release("a")).as("not drained").isFalse();
        QueuedHook second = head("a");
        assertThat(second.hook()).isEqualTo(new RoomHook.Finished());
        assertThat(second.id()).isNotEqualTo(first.id());
        queue.remove("a", second);
        assertThat(release("a")).isTrue();
        assertThat(queue.pendingHere()).isZero();

        queue.add("a", new RoomHook.Finished());
        assertThat(held).as("released, so handed out again").containsExactly("a", "a");
    }

    @Test
    void hooksRecordedBeforeStartAreHandedOutAtStart() {
        queue.add("a", new RoomHook.Finished());
        queue.add("b", new RoomHook.Finished());

        queue.start(held::add);

        assertThat(held).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void pastItsLimitTheQueueDropsNewHooksAndReportsEach() {
        queue.start(held::add);
        for (int i = 0; i < 5; i++) {
            queue.add("a", new RoomHook.Finished());
        }

        assertThat(queue.pendingHere()).isEqualTo(3);
        assertThat(dropped).hasValue(2);
    }

    private QueuedHook head(String room) {
        return queue.head(room).toCompletableFuture().join().orElseThrow();
    }

    private boolean release(String room) {
        return queue.release(room).toCompletableFuture().join();
    }
}
