package io.bifrost.sfu.janus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bifrost.sfu.Direction;
import io.bifrost.sfu.SfuException;
import io.bifrost.sfu.testing.JanusAdminApi;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.NetnsFixture;
import io.bifrost.sfu.testing.Sdp;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The bridge against one real Janus in a network namespace, with hand-written SDP instead of a
 * browser: what Janus answers, and what it holds afterwards.
 */
class JanusBridgeIT {
    static final Duration WAIT = Duration.ofSeconds(10);

    static NetnsFixture ns;
    static JanusFixture janus;
    static JanusAdmin admin;

    JanusBridge bridge;
    String room;

    @BeforeAll
    static void startJanus() {
        ns = NetnsFixture.create();
        janus = JanusFixture.startIn(ns);
        admin = new JanusAdmin(janus);
    }

    @AfterAll
    static void stopJanus() {
        if (admin != null) {
            admin.close();
        }
        if (janus != null) {
            janus.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    @BeforeEach
    void startBridge() {
        bridge = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey()));
        bridge.onStart();
        room = "room-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void stopBridge(TestInfo test) {
        bridge.onStop();
    }

    @Test
    void openCreatesTheRoomAndIsHarmlessTwice() throws Exception {
        get(bridge.open(room));
        get(bridge.open(room));

        assertThat(admin.roomExists(room)).isTrue();
    }

    @Test
    void publishAnswersWithOpusAndACandidateOnTheNamespaceAddress() throws Exception {
        get(bridge.open(room));

        String answer = get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        assertThat(answer).contains("a=rtpmap:111 opus/48000/2").contains("a=recvonly")
                .containsPattern("a=candidate:.* " + ns.nsAddress().replace(".", "\\.") + " ");
        assertThat(admin.participants(room)).containsExactly("alice");
    }

    @Test
    void publishingAgainRenegotiatesTheSamePublisher() throws Exception {
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        String answer = get(bridge.publish(room, "alice", Sdp.opusOfferRestarted(), new EventRecorder()));

        assertThat(answer).contains("opus/48000");
        assertThat(admin.participants(room)).containsExactly("alice");
    }

    @Test
    void subscribeOffersThePublishersAndAcceptsTheAnswer() throws Exception {
        get(bridge.open(room));
        admin.addRemotePublisher(room, "alice");

        Optional<String> offer = get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder()));

        assertThat(offer).hasValueSatisfying(sdp -> assertThat(sdp).contains("opus/48000").contains("a=sendonly"));
        get(bridge.answer(room, "bob", Sdp.answerTo(offer.get())));
        assertThat(get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder())))
                .as("the same publishers again: nothing to renegotiate").isEmpty();
    }

    @Test
    void aSubscriptionChangesWithItsPublishers() throws Exception {
        get(bridge.open(room));
        admin.addRemotePublisher(room, "alice");
        admin.addRemotePublisher(room, "carol");
        String first = get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder())).orElseThrow();
        get(bridge.answer(room, "bob", Sdp.answerTo(first)));

        String second = get(bridge.subscribe(room, "bob", Set.of("alice", "carol"), new EventRecorder())).orElseThrow();
        get(bridge.answer(room, "bob", Sdp.answerTo(second)));
        String third = get(bridge.subscribe(room, "bob", Set.of("carol"), new EventRecorder())).orElseThrow();

        assertThat(mlines(first)).isEqualTo(1);
        assertThat(mlines(second)).isEqualTo(2);
        assertThat(third).as("alice's m-line is now inactive").contains("a=inactive");
    }

    @Test
    void aSubscriptionToNobodyIsKeptAndGrowsLater() throws Exception {
        get(bridge.open(room));

        assertThat(get(bridge.subscribe(room, "bob", Set.of(), new EventRecorder()))).isEmpty();
        assertThat(get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder())))
                .as("alice does not publish yet").isEmpty();
        admin.addRemotePublisher(room, "alice");

        assertThat(get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder())))
                .hasValueSatisfying(sdp -> assertThat(sdp).contains("opus/48000"));
        get(bridge.unsubscribe(room, "bob"));
        get(bridge.unsubscribe(room, "bob"));
    }

    @Test
    void aPublisherWhoseMediaIsNotUpIsNotOfferedYet() throws Exception {
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        // Janus lets subscribers have a publisher only once its ICE and DTLS are up; with no browser they never are
        assertThat(get(bridge.subscribe(room, "bob", Set.of("alice"), new EventRecorder()))).isEmpty();
    }

    @Test
    void trickleIsAcceptedInBothDirections() throws Exception {
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));
        admin.addRemotePublisher(room, "carol");
        assertThat(get(bridge.subscribe(room, "bob", Set.of("carol"), new EventRecorder()))).isPresent();

        get(bridge.trickle(room, "alice", Direction.PUBLISH, Sdp.candidate(ns.hostAddress())));
        get(bridge.trickle(room, "alice", Direction.PUBLISH, null));
        get(bridge.trickle(room, "bob", Direction.SUBSCRIBE, Sdp.candidate(ns.hostAddress())));

        assertThatThrownBy(() -> get(bridge.trickle(room, "dave", Direction.PUBLISH, null)))
                .isInstanceOfSatisfying(SfuException.class, e -> assertThat(e.reason()).isEqualTo(SfuException.Reason.NOT_FOUND));
    }

    @Test
    void muteAndUnmuteAreAcceptedByJanus() throws Exception {
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        get(bridge.mute(room, "alice", true));
        get(bridge.mute(room, "alice", false));

        assertThatThrownBy(() -> get(bridge.mute(room, "nobody", true)))
                .isInstanceOfSatisfying(SfuException.class, e -> assertThat(e.reason()).isEqualTo(SfuException.Reason.NOT_FOUND));
    }

    @Test
    void unpublishRemovesThePublisherFromTheRoom() throws Exception {
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        get(bridge.unpublish(room, "alice"));
        get(bridge.unpublish(room, "alice"));

        // Janus removes a detached handle's publisher a moment after acknowledging the detach.
        Eventually.await(() -> admin.participants(room).isEmpty(), WAIT, "alice is no longer a publisher of the room");
    }

    @Test
    void everyHandleIsLetGoOnJanusOnceItsPublisherOrSubscriptionGoes() throws Exception {
        JanusAdminApi janusAdmin = janus.adminApi();
        int before = janusAdmin.handles();
        get(bridge.open(room));
        admin.addRemotePublisher(room, "carol");
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));
        String offer = get(bridge.subscribe(room, "bob", Set.of("carol"), new EventRecorder())).orElseThrow();
        get(bridge.answer(room, "bob", Sdp.answerTo(offer)));
        assertThat(janusAdmin.handles()).as("alice's and bob's handles on Janus").isEqualTo(before + 2);
        assertThat(bridge.handleCount()).isEqualTo(2);

        get(bridge.unpublish(room, "alice"));
        get(bridge.unsubscribe(room, "bob"));

        assertThat(bridge.handleCount()).isZero();
        Eventually.await(() -> janusAdmin.handles() == before, WAIT, "Janus holds no handle of alice's or bob's");
    }

    @Test
    void closeDestroysTheRoom() throws Exception {
        get(bridge.open(room));
        get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));

        get(bridge.close(room));

        assertThat(admin.roomExists(room)).isFalse();
    }

    @Test
    void stoppingTheBridgeRemovesItsEndpointsButLeavesTheRoomToOtherBridges() throws Exception {
        JanusBridge other = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey()));
        other.onStart();
        try {
            get(bridge.open(room));
            get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));
            get(other.open(room));
            get(other.publish(room, "carol", Sdp.opusOffer(), new EventRecorder()));

            bridge.onStop();

            assertThat(admin.roomExists(room)).as("the room this bridge created").isTrue();
            // Janus removes a detached handle's publisher a moment after acknowledging the detach.
            Eventually.await(() -> admin.participants(room).equals(Set.of("carol")), WAIT,
                    "only the other bridge's publisher is left");
            get(other.unpublish(room, "carol"));
            get(other.publish(room, "dave", Sdp.opusOffer(), new EventRecorder()));
            assertThat(admin.participants(room)).containsExactly("dave");
        } finally {
            other.onStop();
        }
        assertThatThrownBy(() -> get(bridge.open(room)))
                .isInstanceOfSatisfying(SfuException.class, e -> assertThat(e.reason()).isEqualTo(SfuException.Reason.UNAVAILABLE));
    }

    @Test
    void anyBridgeClosesAnEmptyRoomAndABridgeThatLeftItUsesItAgainLater() throws Exception {
        JanusBridge other = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey()));
        other.onStart();
        try {
            get(bridge.open(room));
            get(bridge.publish(room, "alice", Sdp.opusOffer(), new EventRecorder()));
            get(bridge.unpublish(room, "alice"));
            get(other.open(room));
            get(other.publish(room, "carol", Sdp.opusOffer(), new EventRecorder()));
            get(other.unpublish(room, "carol"));

            get(other.close(room)); // the last one out, on a bridge that did not create the room
            assertThat(admin.roomExists(room)).as("destroyed by the bridge that did not create it").isFalse();

            get(bridge.open(room));
            get(bridge.publish(room, "dave", Sdp.opusOffer(), new EventRecorder()));
            assertThat(admin.participants(room)).as("the first bridge made the room again").containsExactly("dave");
        } finally {
            other.onStop();
        }
    }

    @Test
    void subscribingToARoomThatWasNeverOpenedIsNotFound() {
        assertThatThrownBy(() -> get(bridge.subscribe("never-" + room, "bob", Set.of("alice"), new EventRecorder())))
                .isInstanceOfSatisfying(SfuException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SfuException.Reason.NOT_FOUND);
                    assertThat(e.getMessage()).contains("never-" + room);
                });
    }

    @Test
    void aWrongAdminKeyIsRefused() throws Exception {
        JanusBridge wrongKey = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), "wrong"));
        wrongKey.onStart();
        try {
            assertThatThrownBy(() -> get(wrongKey.open(room)))
                    .isInstanceOfSatisfying(SfuException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SfuException.Reason.REFUSED);
                        assertThat(e.getMessage()).contains("433");
                    });
        } finally {
            wrongKey.onStop();
        }
    }

    static int mlines(String sdp) {
        return sdp.split("\nm=", -1).length - 1;
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
