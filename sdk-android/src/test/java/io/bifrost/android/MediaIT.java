package io.bifrost.android;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.android.media.AudioStats;
import io.bifrost.android.webrtc.JvmWebRtc;
import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.sfu.janus.JanusBridge;
import io.bifrost.sfu.janus.JanusConfig;
import io.bifrost.sfu.testing.JanusFixture;
import io.bifrost.sfu.testing.NetnsFixture;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SDK's audio with real WebRTC peers (webrtc-java in this JVM) against a real node: a mesh
 * call between two SDK clients, and a broadcast whose listener hears its host through Janus.
 * ICE runs over a veth pair of a network namespace the test creates (webrtc-java gathers no
 * loopback candidates), where Janus lives too. Needs root and Debian's janus; ./scripts/test
 * installs them; when they are missing this test fails, it never skips.
 */
@Timeout(120)
class MediaIT {
    private static final String KEY_ID = "android-media-test";
    private static final String SECRET = "a-secret-for-the-android-media-tests";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(KEY_ID, SECRET.getBytes(StandardCharsets.UTF_8));
    private static final Duration HEARD_WITHIN = Duration.ofSeconds(20);

    private static NetnsFixture ns;
    private static JanusFixture janus;
    private static Bifrost node;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        ns = NetnsFixture.create();
        String apiSecret = JanusFixture.newSecret("api");
        String adminKey = JanusFixture.newSecret("admin");
        janus = JanusFixture.startIn(ns, apiSecret, adminKey);
        JanusBridge sfu = JanusBridge.create(JanusConfig.of(List.of(janus.wsUri())).withSecrets(apiSecret, adminKey));
        node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1", "server.port", "0", "server.shutdownGrace", "1s",
                "rooms.resumeWindow", "10s", "auth.hmacKeys", KEY_ID + "=" + SECRET)), sfu).start();
        url = "http://127.0.0.1:" + node.port();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.stop();
        }
        if (janus != null) {
            janus.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void twoClientsOfAMeshRoomHearEachOtherOncePublishedAndAfterAResume() throws Exception {
        try (Peer alice = new Peer(440); Peer bob = new Peer(660)) {
            Room a = alice.join(token("mesh-call", "alice", Role.SPEAKER, RoomMode.MESH));
            Room b = bob.join(token("mesh-call", "bob", Role.SPEAKER, RoomMode.MESH));
            b.publishMicrophone().get(10, TimeUnit.SECONDS);

            assertThat(alice.events.poll(20, TimeUnit.SECONDS)).isEqualTo("audio from bob");
            AudioStats heardByAlice = await(a, s -> s.totalAudioEnergy() > 0.01);
            assertThat(heardByAlice.packetsReceived()).isPositive();
            AudioStats silentForBob = await(b, s -> s.packetsReceived() > 50);
            assertThat(silentForBob.totalAudioEnergy()).as("alice has not published: bob hears silence").isLessThan(0.001);

            a.publishMicrophone().get(10, TimeUnit.SECONDS);
            await(b, s -> s.totalAudioEnergy() > 0.01);

            assertThat(node.dropConnection(a.localParticipant().id())).isTrue();
            assertThat(alice.events.poll(20, TimeUnit.SECONDS)).isEqualTo("reconnected resumed");
            long before = a.audioStats().get(5, TimeUnit.SECONDS).bytesReceived();
            await(a, s -> s.bytesReceived() > before + 8_000); // the call is peer to peer: it never stopped
        }
    }

    /**
     * Two listeners who may moderate: the one whose id sorts higher promotes the other, then
     * itself, so that each side of the call is promoted once, the one that made the first offer
     * and the one that answered it.
     */
    @Test
    void listenersOfAMeshRoomAreHeardOncePromoted() throws Exception {
        try (Peer alice = new Peer(440); Peer bob = new Peer(660)) {
            Room a = alice.join(moderatingListener("mesh-stage", "alice"));
            Room b = bob.join(moderatingListener("mesh-stage", "bob"));
            boolean aliceLower = a.localParticipant().id().compareTo(b.localParticipant().id()) < 0;
            Peer lowerPeer = aliceLower ? alice : bob;
            Peer higherPeer = aliceLower ? bob : alice;
            Room lower = lowerPeer.room;
            Room higher = higherPeer.room;
            assertThat(lower.publishMicrophone()).as("a listener may not publish").failsWithin(5, TimeUnit.SECONDS);

            higher.promote(lower.localParticipant().id()).get(10, TimeUnit.SECONDS);
            assertThat(lowerPeer.roles.poll(10, TimeUnit.SECONDS)).isEqualTo("speaker");
            lower.publishMicrophone().get(10, TimeUnit.SECONDS);
            AudioStats heardByHigher = await(higher, s -> s.totalAudioEnergy() > 0.01);
            assertThat(heardByHigher.packetsSent()).as("a listener still: it sends nothing").isZero();

            higher.promote(higher.localParticipant().id()).get(10, TimeUnit.SECONDS);
            assertThat(higherPeer.roles.poll(10, TimeUnit.SECONDS)).isEqualTo("speaker");
            higher.publishMicrophone().get(10, TimeUnit.SECONDS);
            await(lower, s -> s.totalAudioEnergy() > 0.01);
        }
    }

    /** Calls are peer to peer: only the muted or demoted participant's own side can quiet it. */
    @Test
    void aSpeakerOfAMeshRoomMutedOrDemotedByTheHostFallsSilent() throws Exception {
        try (Peer host = new Peer(440); Peer speaker = new Peer(660)) {
            Room h = host.join(token("mesh-moderated", "host", Role.HOST, RoomMode.MESH));
            Room s = speaker.join(token("mesh-moderated", "speaker", Role.SPEAKER, RoomMode.MESH));
            s.publishMicrophone().get(10, TimeUnit.SECONDS);
            awaitHearing(h);
            String speakerId = s.localParticipant().id();

            h.mute(speakerId, true).get(10, TimeUnit.SECONDS);
            awaitSilence(h);
            h.mute(speakerId, false).get(10, TimeUnit.SECONDS);
            awaitHearing(h);
            h.demote(speakerId).get(10, TimeUnit.SECONDS);
            awaitSilence(h);
            assertThat(s.localParticipant().role()).isEqualTo("listener");
        }
    }

    @Test
    void aListenerOfABroadcastHearsTheHostThroughTheSfu() throws Exception {
        try (Peer host = new Peer(440); Peer listener = new Peer(660)) {
            Room h = host.join(token("radio-call", "host", Role.HOST, RoomMode.BROADCAST));
            Room l = listener.join(token("radio-call", "listener", Role.LISTENER, RoomMode.BROADCAST));

            h.publishMicrophone().get(20, TimeUnit.SECONDS);

            AudioStats heard = await(l, s -> s.totalAudioEnergy() > 0.01);
            assertThat(heard.packetsReceived()).isPositive();
            assertThat(heard.packetsSent()).as("a listener sends nothing").isZero();
            assertThat(listener.events).as("the SFU's track is known to be the host's").contains("audio from host");
        }
    }

    private static String token(String room, String identity, Role role, RoomMode mode) {
        return ISSUER.issue(TokenRequest.builder(room, identity).role(role).roomMode(mode).build());
    }

    /** Audio energy keeps arriving: over a second, the tone adds about 0.09. */
    private static void awaitHearing(Room room) throws Exception {
        awaitEnergyPerSecond(room, perSecond -> perSecond > 0.01, "hearing");
    }

    /** Nothing but silence arrives any more. */
    private static void awaitSilence(Room room) throws Exception {
        awaitEnergyPerSecond(room, perSecond -> perSecond < 0.0005, "silence");
    }

    private static void awaitEnergyPerSecond(Room room, Predicate<Double> heard, String what) throws Exception {
        long deadline = System.nanoTime() + HEARD_WITHIN.toNanos();
        double before = room.audioStats().get(5, TimeUnit.SECONDS).totalAudioEnergy();
        double perSecond = Double.NaN;
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            double now = room.audioStats().get(5, TimeUnit.SECONDS).totalAudioEnergy();
            perSecond = now - before;
            if (heard.test(perSecond)) {
                return;
            }
            before = now;
        }
        throw new AssertionError(room.localParticipant().identity() + ": no " + what + " within " + HEARD_WITHIN
                + "; energy per second " + perSecond);
    }

    private static String moderatingListener(String room, String identity) {
        Grants moderates = new Grants(false, true, true, true, false);
        return ISSUER.issue(TokenRequest.builder(room, identity).role(Role.LISTENER).grants(moderates).roomMode(RoomMode.MESH).build());
    }

    /** Polls the room's audio until it shows what is asked; fails with the last stats after a while. */
    private static AudioStats await(Room room, Predicate<AudioStats> heard) throws Exception {
        long deadline = System.nanoTime() + HEARD_WITHIN.toNanos();
        AudioStats last = AudioStats.NONE;
        while (System.nanoTime() < deadline) {
            last = room.audioStats().get(5, TimeUnit.SECONDS);
            if (heard.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(room.localParticipant().identity() + ": not heard within " + HEARD_WITHIN + ": " + last);
    }

    /** One SDK client with its own WebRTC (a tone of its own), and what its listener heard. */
    private static final class Peer implements AutoCloseable, RoomListener {
        final JvmWebRtc webRtc;
        final BifrostClient client;
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        /** The local participant's new roles. */
        final BlockingQueue<String> roles = new LinkedBlockingQueue<>();
        Room room;

        Peer(double toneHz) {
            webRtc = new JvmWebRtc(List.of(ns.hostAddress(), ns.nsAddress()), toneHz);
            client = new BifrostClient.Builder().webRtc(webRtc).build();
        }

        Room join(String token) throws Exception {
            room = client.connect(url, token, this).get(10, TimeUnit.SECONDS);
            return room;
        }

        @Override
        public void onAudioReceived(Room room, Participant participant) {
            events.add("audio from " + participant.identity());
        }

        @Override
        public void onParticipantUpdated(Room room, Participant participant, String change) {
            if (change.equals("role") && participant.id().equals(room.localParticipant().id())) {
                roles.add(participant.role());
            }
        }

        @Override
        public void onReconnected(Room room, String how) {
            events.add("reconnected " + how);
        }

        @Override
        public void close() throws Exception {
            if (room != null) {
                room.leave().get(10, TimeUnit.SECONDS);
            }
            client.close();
            webRtc.close();
        }
    }
}
