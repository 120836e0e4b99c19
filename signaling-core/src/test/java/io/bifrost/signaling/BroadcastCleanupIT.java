package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.sfu.FakeSfuBridge;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broadcast's SFU room goes once nobody is left in the Bifrost room, on one node and across
 * nodes, and not before: the SFU is a recording fake, the server and its clients are real.
 */
@Timeout(60)
class BroadcastCleanupIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theSfuRoomIsClosedWhenTheLastParticipantLeavesAndMeshRoomsNeverTouchTheSfu() throws Exception {
        FakeSfuBridge sfu = new FakeSfuBridge();
        try (TestNode node = TestNode.start(Map.of(), sfu)) {
            try (WsClient host = node.join("radio-empty", "host", Role.HOST, RoomMode.BROADCAST);
                 WsClient caller = node.join("call-empty", "carl", Role.SPEAKER, RoomMode.MESH)) {
                try (WsClient ann = node.join("radio-empty", "ann", Role.LISTENER)) {
                    ann.send(Map.of("type", "leave", "id", "bye"));
                    host.expect("participant-left");
                }
                assertThat(sfu.calls()).as("the host is still in").doesNotContain("close radio-empty");
                host.send(Map.of("type", "leave", "id", "bye"));
                caller.send(Map.of("type", "leave", "id", "bye"));
                await(() -> sfu.calls().contains("close radio-empty"), "the broadcast is closed");
            }
            Thread.sleep(300); // the mesh room's last leave is handled by now too
            assertThat(sfu.calls()).filteredOn(c -> c.startsWith("close")).containsExactly("close radio-empty");
        }
    }

    @Test
    void inAClusterTheNodeThatSeesTheRoomEmptyClosesItOnce() throws Exception {
        try (RedisFixture redis = RedisFixture.start()) {
            FakeSfuBridge first = new FakeSfuBridge();
            FakeSfuBridge second = new FakeSfuBridge();
            Map<String, String> cluster = Map.of("redis.url", redis.url());
            try (TestNode a = TestNode.start(cluster, first); TestNode b = TestNode.start(cluster, second)) {
                try (WsClient host = a.join("radio-cluster", "host", Role.HOST, RoomMode.BROADCAST);
                     WsClient ann = b.join("radio-cluster", "ann", Role.LISTENER)) {
                    host.expect("participant-joined");
                    host.send(Map.of("type", "leave", "id", "bye"));
                    ann.expect("participant-left");
                    Thread.sleep(300);
                    assertThat(List.of(first.calls(), second.calls())).as("ann is still in")
                            .noneMatch(calls -> calls.contains("close radio-cluster"));
                    ann.send(Map.of("type", "leave", "id", "bye"));
                    await(() -> second.calls().contains("close radio-cluster"), "the last node out closes the broadcast");
                }
                assertThat(first.calls()).doesNotContain("close radio-cluster");
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
