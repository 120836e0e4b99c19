package io.bifrost.android;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK against a real Bifrost node over real websockets on loopback. */
class RoomIT {
    private static final String KEY_ID = "android-test";
    private static final String SECRET = "a-secret-for-the-android-sdk-tests-32b";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(KEY_ID, SECRET.getBytes(StandardCharsets.UTF_8));
    private static final ReconnectPolicy FAST = new ReconnectPolicy(5, Duration.ofMillis(50), Duration.ofMillis(200));
    private static Bifrost node;
    private static BifrostClient client;
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        node = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1", "server.port", "0", "server.shutdownGrace", "1s",
                "rooms.maxParticipants", "3", "rooms.resumeWindow", "10s", "rooms.largeAudience", "1",
                "auth.hmacKeys", KEY_ID + "=" + SECRET))).start();
        url = "http://127.0.0.1:" + node.port();
        client = new BifrostClient.Builder().reconnect(FAST).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        node.stop();
    }

    private static String token(String room, String identity, Role role) {
        return ISSUER.issue(TokenRequest.builder(room, identity).role(role).build());
    }

    /** Every event a listener hears, as a short line. */
    private static final class Events implements RoomListener {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final BlockingQueue<String> tokens = new LinkedBlockingQueue<>(); // apart: they come on the server's schedule

        @Override public void onParticipantJoined(Room room, Participant p) { lines.add("joined " + p.identity()); }
        @Override public void onParticipantLeft(Room room, Participant p, String reason) { lines.add("left " + p.identity() + " " + reason); }
        @Override public void onParticipantUpdated(Room room, Participant p, String change) {
            lines.add("updated " + p.identity() + " " + change + " " + p.role() + (p.handRaised() ? " hand" : ""));
        }
        @Override public void onChat(Room room, ChatMessage m) { lines.add("chat " + m.seq() + " " + m.text()); }
        @Override public void onReconnecting(Room room, int attempt, long delayMillis) { lines.add("reconnecting " + attempt); }
        @Override public void onReconnected(Room room, String how) { lines.add("reconnected " + how); }
        @Override public void onTokenRefreshed(Room room, String token, long expiresAt) { tokens.add(token); }
        @Override public void onDisconnected(Room room, String reason, BifrostException error) {
            lines.add("disconnected " + reason + (error == null ? "" : " " + error.code()));
        }

        String next() throws InterruptedException {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("an event within 10 s").isNotNull();
            return line;
        }
    }

    private static Room connect(String room, String identity, Role role, Events events) throws Exception {
        return client.connect(url, token(room, identity, role), events).get(10, TimeUnit.SECONDS);
    }

    @Test
    void twoClientsSeeEachOtherChatRaiseAHandGetPromotedAndLeave() throws Exception {
        Events hostEvents = new Events();
        Events annEvents = new Events();
        Room host = connect("sdk-room", "host", Role.HOST, hostEvents);
        Room ann = connect("sdk-room", "ann", Role.LISTENER, annEvents);
        assertThat(host.name()).isEqualTo("sdk-room");
        assertThat(host.localParticipant().role()).isEqualTo("host");
        assertThat(ann.participants()).extracting(Participant::identity).containsExactly("host");
        assertThat(hostEvents.next()).isEqualTo("joined ann");

        long seq = ann.sendChat("hello from android").get(10, TimeUnit.SECONDS);
        assertThat(hostEvents.next()).isEqualTo("chat " + seq + " hello from android");
        assertThat(annEvents.next()).isEqualTo("chat " + seq + " hello from android");

        ann.raiseHand().get(10, TimeUnit.SECONDS);
        assertThat(hostEvents.next()).isEqualTo("updated ann hand listener hand");
        host.promote(ann.localParticipant().id()).get(10, TimeUnit.SECONDS);
        assertThat(annEvents.next()).isEqualTo("updated ann hand listener hand");
        assertThat(annEvents.next()).isEqualTo("updated ann role speaker");
        assertThat(ann.localParticipant().role()).isEqualTo("speaker");

        ann.leave().get(10, TimeUnit.SECONDS);
        assertThat(annEvents.next()).isEqualTo("disconnected left");
        assertThat(hostEvents.next()).isEqualTo("updated ann role speaker");
        assertThat(hostEvents.next()).isEqualTo("left ann left");
        host.leave().get(10, TimeUnit.SECONDS);
    }

    @Test
    void inALargeAudienceTheListIsTheSpeakersAndTheRaisedHands() throws Exception {
        Events hostEvents = new Events();
        Room host = client.connect(url, ISSUER.issue(TokenRequest.builder("sdk-radio", "host").role(Role.HOST)
                .roomMode(RoomMode.BROADCAST).build()), hostEvents).get(10, TimeUnit.SECONDS);
        Room ann = connect("sdk-radio", "ann", Role.LISTENER, new Events());
        assertThat(hostEvents.next()).isEqualTo("joined ann");
        assertThat(host.listenersListed()).isTrue();

        Room bob = connect("sdk-radio", "bob", Role.LISTENER, new Events());
        assertThat(hostEvents.next()).as("the second listener makes a large audience (rooms.largeAudience: 1)")
                .isEqualTo("left ann unlisted");
        awaitTrue(() -> host.listeners() == 2);
        assertThat(host.listenersListed()).isFalse();
        assertThat(host.participants()).isEmpty();

        bob.raiseHand().get(10, TimeUnit.SECONDS);
        assertThat(hostEvents.next()).isEqualTo("joined bob");
        assertThat(hostEvents.next()).isEqualTo("updated bob hand listener hand");
        bob.lowerHand().get(10, TimeUnit.SECONDS);
        assertThat(hostEvents.next()).isEqualTo("updated bob hand listener");
        assertThat(hostEvents.next()).isEqualTo("left bob unlisted");
        assertThat(host.participants()).isEmpty();
        for (Room room : new Room[] {ann, bob, host}) {
            room.leave().get(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aRefusedRequestFailsItsFutureWithTheServersCode() throws Exception {
        Room bob = connect("sdk-refusals", "bob", Role.LISTENER, new Events());
        Throwable refused = catchThrowable(() -> bob.promote(bob.localParticipant().id()).get(10, TimeUnit.SECONDS));
        assertThat(refused).isInstanceOf(ExecutionException.class);
        assertThat(((BifrostException) refused.getCause()).code()).isEqualTo("forbidden");
        bob.leave().get(10, TimeUnit.SECONDS);
    }

    @Test
    void refusedTokensAndAFullRoomFailTheConnectionWithTypedErrors() throws Exception {
        String expired = ISSUER.withClock(Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC))
                .issue(TokenRequest.builder("sdk-full", "late").build());
        String forged = TokenIssuer.hmac(KEY_ID, "another-secret-that-is-32-bytes-long".getBytes(StandardCharsets.UTF_8))
                .issue(TokenRequest.builder("sdk-full", "mallory").build());
        assertThat(refusal(expired)).isEqualTo("unauthorized/expired");
        assertThat(refusal(forged)).isEqualTo("unauthorized/bad-signature");

        Room a = connect("sdk-full", "a", Role.LISTENER, new Events());
        Room b = connect("sdk-full", "b", Role.LISTENER, new Events());
        Room c = connect("sdk-full", "c", Role.LISTENER, new Events());
        assertThat(refusal(token("sdk-full", "d", Role.LISTENER))).startsWith("room-full");
        for (Room room : new Room[] {a, b, c}) {
            room.leave().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDroppedConnectionResumesTheSessionAndGetsWhatItMissedOnce() throws Exception {
        Events carlEvents = new Events();
        Room dana = connect("sdk-drop", "dana", Role.SPEAKER, new Events());
        Room carl = connect("sdk-drop", "carl", Role.LISTENER, carlEvents);
        String carlId = carl.localParticipant().id();
        long before = dana.sendChat("before").get(10, TimeUnit.SECONDS);
        assertThat(carlEvents.next()).isEqualTo("chat " + before + " before");

        assertThat(node.dropConnection(carlId)).isTrue();
        long during = dana.sendChat("while you were away").get(10, TimeUnit.SECONDS);
        assertThat(carlEvents.next()).isEqualTo("reconnecting 1");
        assertThat(carlEvents.next()).isEqualTo("reconnected resumed");
        assertThat(carlEvents.next()).isEqualTo("chat " + during + " while you were away");
        assertThat(carl.localParticipant().id()).as("the same participant").isEqualTo(carlId);
        long after = carl.sendChat("back").get(10, TimeUnit.SECONDS);
        assertThat(carlEvents.next()).isEqualTo("chat " + after + " back");
        assertThat(carlEvents.lines).as("nothing twice").isEmpty();
        carl.leave().get(10, TimeUnit.SECONDS);
        dana.leave().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSessionTheServerNoLongerHoldsRejoinsAsANewParticipant() throws Exception {
        try (BifrostClient impatient = new BifrostClient.Builder().reconnect(FAST).build()) {
            Bifrost forgetful = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                    "server.host", "127.0.0.1", "server.port", "0", "server.shutdownGrace", "1s", "rooms.resumeWindow", "0s",
                    "auth.hmacKeys", KEY_ID + "=" + SECRET))).start();
            try {
                Events events = new Events();
                Room erin = impatient.connect("http://127.0.0.1:" + forgetful.port(), token("sdk-rejoin", "erin", Role.LISTENER),
                        events).get(10, TimeUnit.SECONDS);
                String first = erin.localParticipant().id();
                assertThat(forgetful.dropConnection(first)).isTrue();
                assertThat(events.next()).isEqualTo("reconnecting 1");
                assertThat(events.next()).isEqualTo("reconnected rejoined");
                assertThat(erin.localParticipant().id()).isNotEqualTo(first);
                assertThat(erin.localParticipant().identity()).isEqualTo("erin");
                erin.leave().get(10, TimeUnit.SECONDS);
            } finally {
                forgetful.stop();
            }
        }
    }

    @Test
    void afterItsTokenExpiredADroppedConnectionComesBackWithTheRefreshedToken() throws Exception {
        // No clock skew: the original token is refused the moment it expires.
        Bifrost strict = Bifrost.create(ConfigLoader.load(null, Map.of(), Map.of(
                "server.host", "127.0.0.1", "server.port", "0", "server.shutdownGrace", "1s", "rooms.resumeWindow", "10s",
                "auth.clockSkew", "0s", "auth.hmacKeys", KEY_ID + "=" + SECRET))).start();
        try {
            Events events = new Events();
            Instant issued = Instant.now();
            String original = ISSUER.issue(TokenRequest.builder("sdk-refresh", "hal").role(Role.LISTENER)
                    .ttl(Duration.ofSeconds(4)).build());
            Room hal = client.connect("http://127.0.0.1:" + strict.port(), original, events).get(10, TimeUnit.SECONDS);
            String fresh = events.tokens.poll(10, TimeUnit.SECONDS);
            assertThat(fresh).as("a fresh token before the original expired").isNotNull().isNotEqualTo(original);
            assertThat(Instant.now()).isBefore(issued.plusSeconds(4));
            assertThat(hal.token()).isEqualTo(fresh);

            // exp is whole seconds, at most 4 s after issuing: the original is refused from here on.
            Thread.sleep(Duration.between(Instant.now(), issued.plusMillis(4_200)).toMillis());
            assertThat(refusal(strict, original)).isEqualTo("unauthorized/expired");
            String id = hal.localParticipant().id();
            assertThat(strict.dropConnection(id)).isTrue();
            assertThat(events.next()).isEqualTo("reconnecting 1");
            assertThat(events.next()).isEqualTo("reconnected resumed");
            assertThat(hal.localParticipant().id()).as("the same participant").isEqualTo(id);
            hal.leave().get(10, TimeUnit.SECONDS);
        } finally {
            strict.stop();
        }
    }

    @Test
    void withReconnectingOffADroppedConnectionEndsTheRoom() throws Exception {
        try (BifrostClient once = new BifrostClient.Builder().reconnect(ReconnectPolicy.NEVER).build()) {
            Events events = new Events();
            Room fay = once.connect(url, token("sdk-once", "fay", Role.LISTENER), events).get(10, TimeUnit.SECONDS);
            assertThat(node.dropConnection(fay.localParticipant().id())).isTrue();
            assertThat(events.next()).isEqualTo("disconnected connection-lost connection-failed");
            Throwable late = catchThrowable(() -> fay.sendChat("anyone?").get(10, TimeUnit.SECONDS));
            assertThat(((BifrostException) late.getCause()).code()).isEqualTo("disconnected");
        }
    }

    @Test
    void aParticipantTheBackendRemovesIsToldWhyAndDoesNotComeBack() throws Exception {
        Events events = new Events();
        Room gus = connect("sdk-removed", "gus", Role.LISTENER, events);
        String admin = ISSUER.issueAdmin(AdminGrants.of(false, false, true), Duration.ofMinutes(1));
        HttpResponse<String> removed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        url + "/api/v1/rooms/sdk-removed/participants/" + gus.localParticipant().id()))
                .header("Authorization", "Bearer " + admin).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(removed.statusCode()).isEqualTo(204);
        assertThat(events.next()).isEqualTo("disconnected removed disconnected");
        Thread.sleep(300);
        assertThat(events.lines).as("no reconnect").isEmpty();
    }

    private static String refusal(String token) throws InterruptedException {
        return refusal(url, token);
    }

    private static String refusal(Bifrost on, String token) throws InterruptedException {
        return refusal("http://127.0.0.1:" + on.port(), token);
    }

    private static String refusal(String url, String token) throws InterruptedException {
        try {
            Room room = client.connect(url, token, new Events()).get(10, TimeUnit.SECONDS);
            room.leave();
            return "joined";
        } catch (ExecutionException e) {
            BifrostException error = (BifrostException) e.getCause();
            return error.code() + "/" + error.reason();
        } catch (java.util.concurrent.TimeoutException e) {
            return "no answer";
        }
    }
}
