package io.bifrost.sfu.janus;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlacementTest {
    static final URI A = URI.create("ws://10.0.0.1:8188");
    static final URI B = URI.create("ws://10.0.0.2:8188");
    static final URI C = URI.create("ws://10.0.0.3:8188");
    final Placement placement = new Placement(List.of(A, B, C));

    @Test
    void everyBridgeRanksTheNodesOfARoomTheSameWay() {
        Placement listedOtherwise = new Placement(List.of(C, A, B));

        for (int i = 0; i < 50; i++) {
            assertThat(listedOtherwise.order("room-" + i)).isEqualTo(placement.order("room-" + i));
        }
    }

    @Test
    void roomsSpreadOverAllNodesAsOrigins() {
        Map<URI, Integer> origins = new HashMap<>();
        IntStream.range(0, 300).forEach(i -> origins.merge(placement.order("room-" + i).get(0), 1, Integer::sum));

        assertThat(origins.keySet()).containsExactlyInAnyOrder(A, B, C);
        assertThat(origins.values()).allSatisfy(count -> assertThat(count).isBetween(60, 140));
    }

    @Test
    void theOriginIsTheFirstAliveNodeAndOnlyItsRoomsMoveWhenItDies() {
        for (int i = 0; i < 100; i++) {
            String room = "room-" + i;
            List<URI> order = placement.order(room);
            URI first = order.get(0);

            assertThat(placement.origin(room, n -> true)).contains(first);
            assertThat(placement.origin(room, n -> !n.equals(first))).contains(order.get(1));
            URI notFirst = order.get(2);
            assertThat(placement.origin(room, n -> !n.equals(notFirst))).as("a room whose origin lives stays").contains(first);
        }
        assertThat(placement.origin("room-1", n -> false)).isEmpty();
    }

    @Test
    void subscribersFillTheOriginUpToTheCapThenTheNextNodes() {
        String room = "big-room";
        List<URI> order = placement.order(room);
        Map<URI, Integer> load = new HashMap<>();

        for (int i = 0; i < 5; i++) {
            URI node = placement.subscriberNode(room, n -> true, n -> load.getOrDefault(n, 0), 2).orElseThrow();
            load.merge(node, 1, Integer::sum);
        }

        assertThat(load).containsEntry(order.get(0), 2).containsEntry(order.get(1), 2).containsEntry(order.get(2), 1);
    }

    @Test
    void deadNodesAreSkippedAndAFullClusterTakesTheLeastLoaded() {
        String room = "big-room";
        List<URI> order = placement.order(room);
        Set<URI> alive = Set.of(order.get(0), order.get(2));
        Map<URI, Integer> load = new HashMap<>(Map.of(order.get(0), 3, order.get(2), 2));

        assertThat(placement.subscriberNode(room, alive::contains, n -> load.getOrDefault(n, 0), 3)).contains(order.get(2));
        load.put(order.get(2), 5);
        assertThat(placement.subscriberNode(room, alive::contains, n -> load.getOrDefault(n, 0), 3))
                .as("all full: the least loaded").contains(order.get(0));
        assertThat(placement.subscriberNode(room, n -> false, n -> 0, 3)).isEmpty();
    }
}
