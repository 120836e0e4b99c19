package io.bifrost.sfu.janus;

import static io.bifrost.sfu.janus.JanusBridgeIT.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.sfu.Direction;
import io.bifrost.sfu.SfuEvent;
import io.bifrost.sfu.SfuException;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.NetnsFixture;
import io.bifrost.sfu.testing.Sdp;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real Janus nodes in one network namespace, one subscriber per node: where subscribers go,
 * what the bridge forwards between nodes, and what happens when nodes die or restart.
 */
class JanusCascadeIT {
    /** Probes every 300ms, a node is dead after 700ms of silence: failures show within ~1s. */
    static final Duration PING_INTERVAL = Duration.ofMillis(300);
    static final Duration PING_TIMEOUT = Duration.ofMillis(700);
    /** Death noticed (≤ 1s), plus moving a subscriber: a few round trips. */
    static final Duration FAILOVER = Duration.ofSeconds(5);
    static final int NODES = 3;

    NetnsFixture ns;
    final Map<URI, JanusFixture> janus = new HashMap<>();
    final Map<URI, JanusAdmin> admins = new HashMap<>();
    JanusBridge bridge;
    String room;
    URI origin;
    URI edge;
    URI edge2;

    @BeforeEach
    void start() {
        ns = NetnsFixture.create();
        String apiSecret = JanusFixture.newSecret("secret");
        String adminKey = JanusFixture.newSecret("admin");
        List<URI> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            JanusFixture node = JanusFixture.startIn(ns, apiSecret, adminKey);
            janus.put(node.wsUri(), node);
            nodes.add(node.wsUri());
        }
        room = "room-" + UUID.randomUUID().toString().substring(0, 8);
        List<URI> order = new Placement(nodes).order(room);
        origin = order.get(0);
        edge = order.get(1);
        edge2 = order.get(2);
        bridge = JanusBridge.create(JanusConfig.of(nodes).withSecrets(apiSecret, adminKey)
                .withListenersPerNode(1)
                .withLiveness(PING_INTERVAL, PING_TIMEOUT)
                .withReconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)));
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.onStop();
        }
        admins.values().forEach(JanusAdmin::close);
        janus.values().forEach(JanusFixture::close);
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void theSecondSubscriberIsServedFromAnEdgeWithACopyOfThePublisher() throws Exception {
        startBridge();
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder()));
        Optional<String> carolOffer = get(bridge.subscribe(room, "carol", Set.of("alice"), new EventRecorder()));

        assertThat(nodeOf("bob")).isEqualTo(origin);
        assertThat(nodeOf("carol")).isEqualTo(edge);
        assertThat(carolOffer).hasValueSatisfying(sdp -> assertThat(sdp).contains("opus/48000"));
        assertThat(admin(edge).participants(room)).containsExactly("alice");
        JsonNode remotes = admin(origin).remotes(room, "alice");
        assertThat(remotes).hasSize(1);
        assertThat(remotes.get(0).path("port").asInt()).isBetween(JanusConfig.DEFAULT_RTP_PORT_RANGE.min(),
                JanusConfig.DEFAULT_RTP_PORT_RANGE.max());
        assertThat(remotes.get(0).path("host").asText()).isEqualTo(ns.nsAddress());
    }

    @Test
    void theEdgeCopyGoesWhenItsLastSubscriberOrItsPublisherLeaves() throws Exception {
        aliceWithBobOnTheOriginAndCarolOnTheEdge(new EventRecorder());

        get(bridge.unsubscribe(room, "carol"));

        assertThat(admin(edge).participants(room)).isEmpty();
        assertThat(admin(origin).remotes(room, "alice")).isEmpty();

        get(bridge.subscribe(room, "carol", Set.of("alice"), new EventRecorder()));
        assertThat(admin(edge).participants(room)).containsExactly("alice");

        get(bridge.unpublish(room, "alice"));

        // The edge may list the copy for a moment after its removal was answered: it still had a subscriber.
        Eventually.await(() -> admin(edge).participants(room).isEmpty(), FAILOVER, "the edge copy of alice goes");
        assertThat(admin(origin).participants(room)).isEmpty();
    }

    @Test
    void whenAnEdgeDiesItsSubscriberIsMovedAndGetsANewOffer() throws Exception {
        EventRecorder carol = aliceWithBobOnTheOriginAndCarolOnTheEdge(new EventRecorder());
        assertThat(nodeOf("carol")).isEqualTo(edge);

        janus.get(edge).kill();

        assertThat(carol.await(SfuEvent.Offer.class, FAILOVER).sdp()).contains("opus/48000");
        assertThat(nodeOf("carol")).isEqualTo(edge2);
        assertThat(admin(edge2).participants(room)).containsExactly("alice");
        get(bridge.answer(room, "carol", Sdp.answerTo(get(bridge.subscribe(room, "carol", Set.of("alice"), carol))
                .orElse(Sdp.opusOffer()))));
    }

    @Test
    void aHungEdgeThatKeepsItsConnectionOpenIsNoticedByItsMissingPongs() throws Exception {
        EventRecorder carol = aliceWithBobOnTheOriginAndCarolOnTheEdge(new EventRecorder());

        janus.get(edge).freeze(); // no close, no error: the socket just goes quiet

        assertThat(carol.await(SfuEvent.Offer.class, FAILOVER).sdp()).contains("opus/48000");
        assertThat(nodeOf("carol")).isEqualTo(edge2);
        assertThat(bridge.aliveNodes()).doesNotContain(edge);
    }

    @Test
    void whenTheOriginDiesItsPublishersRepublishOnTheNextNode() throws Exception {
        startBridge();
        get(bridge.open(room));
        EventRecorder alice = new EventRecorder();
        get(bridge.publish(room, "alice", Sdp.opusOffer(), alice));

        janus.get(origin).kill();

        assertThat(alice.await(SfuEvent.RepublishNeeded.class, FAILOVER).reason()).contains(origin.toString());
        get(bridge.publish(room, "alice", Sdp.opusOffer(), alice));
        assertThat(bridge.nodeOf(room, "alice", Direction.PUBLISH).get()).contains(edge);
        assertThat(admin(edge).participants(room)).containsExactly("alice");
    }

    @Test
    void whenEveryNodeDiesEndpointsAreUnavailableAndCallsFail() throws Exception {
        EventRecorder alice = new EventRecorder();
        EventRecorder carol = aliceWithBobOnTheOriginAndCarolOnTheEdge(alice);

        janus.values().forEach(JanusFixture::kill);

        assertThat(alice.await(SfuEvent.Unavailable.class, FAILOVER).direction()).isEqualTo(Direction.PUBLISH);
        assertThat(carol.await(SfuEvent.Unavailable.class, FAILOVER).direction()).isEqualTo(Direction.SUBSCRIBE);
        assertThatThrownBy(() -> get(bridge.publish(room, "alice", Sdp.opusOffer(), alice)))
                .isInstanceOfSatisfying(SfuException.class, e -> assertThat(e.reason()).isEqualTo(SfuException.Reason.UNAVAILABLE));
    }

    @Test
    void aRestartedJanusIsReconnectedAndItsPublishersRepublish() throws Exception {
        startBridge();
        get(bridge.open(room));
        EventRecorder alice = new EventRecorder();
        get(bridge.publish(room, "alice", Sdp.opusOffer(), alice));

        janus.get(origin).restart();

        assertThat(alice.await(SfuEvent.RepublishNeeded.class, FAILOVER).reason()).isNotBlank();
        Eventually.await(() -> bridge.aliveNodes().contains(origin), FAILOVER, "the bridge reconnects to the restarted origin");
        // the origin ranks first again: the broadcast is back on it, and so is alice once she republishes
        get(bridge.publish(room, "alice", Sdp.opusOffer(), alice));
        assertThat(bridge.nodeOf(room, "alice", Direction.PUBLISH).get()).contains(origin);
        assertThat(admin(origin).participants(room)).containsExactly("alice");
    }

    /** alice publishes; bob fills the origin, so carol lands on the first edge. */
    private EventRecorder aliceWithBobOnTheOriginAndCarolOnTheEdge(EventRecorder alice) throws Exception {
        startBridge();
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), alice));
        get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder()));
        EventRecorder carol = new EventRecorder();
        get(bridge.subscribe(room, "carol", Set.of("alice"), carol));
        return carol;
    }

    private void startBridge() {
        bridge.onStart();
        assertThat(bridge.aliveNodes()).hasSize(NODES);
    }

    private URI nodeOf(String participant) throws Exception {
        return bridge.nodeOf(room, participant, Direction.SUBSCRIBE).get().orElseThrow();
    }

    private JanusAdmin admin(URI node) {
        return admins.computeIfAbsent(node, n -> new JanusAdmin(janus.get(n)));
    }

}
