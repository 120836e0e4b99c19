package io.bifrost.signaling.testing;

import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.sfu.SfuBridge;
import io.bifrost.signaling.Bifrost;
import io.bifrost.signaling.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real node on a loopback port picked by the system, with a known signing key. */
public final class TestNode implements AutoCloseable {
    public static final String KEY_ID = "test-key";
    public static final String SECRET = "test-secret-that-is-long-enough-for-hs256";

    private final Bifrost node;
    private final TokenIssuer issuer = TokenIssuer.hmac(KEY_ID, SECRET.getBytes(StandardCharsets.UTF_8));
    private final HttpClient http = HttpClient.newHttpClient();

    private TestNode(Bifrost node) {
        this.node = node;
    }

    public static TestNode start() throws Exception {
        return start(Map.of());
    }

    /** @param overrides dotted config keys to values, on top of the test defaults */
    public static TestNode start(Map<String, String> overrides) throws Exception {
        return start(overrides, null);
    }

    /** @param sfu the SFU of broadcast rooms, or null for the one configured (none by default) */
    public static TestNode start(Map<String, String> overrides, SfuBridge sfu) throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("server.host", "127.0.0.1");
        config.put("server.port", "0");
        config.put("server.shutdownGrace", "2s");
        // Short, so that tests of leaving see a dropped client leave within a second or two.
        config.put("rooms.resumeWindow", "1s");
        config.put("auth.hmacKeys", KEY_ID + "=" + SECRET);
        config.putAll(overrides);
        return new TestNode(Bifrost.create(ConfigLoader.load(null, Map.of(), config), sfu).start());
    }

    /** {@code count} nodes with the same overrides: a cluster, when they name the same Redis. */
    public static List<TestNode> startAll(int count, Map<String, String> overrides) throws Exception {
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(start(overrides));
        }
        return nodes;
    }

    public int port() {
        return node.port();
    }

    public Bifrost node() {
        return node;
    }

    public TokenIssuer issuer() {
        return issuer;
    }

    public String token(String room, String identity, Role role) {
        return issuer.issue(TokenRequest.builder(room, identity).role(role).build());
    }

    /** A token that creates {@code room} in {@code mode} if the room does not exist yet. */
    public String token(String room, String identity, Role role, RoomMode mode) {
        return issuer.issue(TokenRequest.builder(room, identity).role(role).roomMode(mode).build());
    }

    public URI rtc(String token) {
        return URI.create("ws://127.0.0.1:" + port() + "/rtc?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    /** The {@code /rtc} URL of a client resuming {@code sessionId} after {@code lastSeq}. */
    public URI rtc(String token, String sessionId, long lastSeq) {
        return URI.create(rtc(token) + "&session=" + sessionId + "&lastSeq=" + lastSeq);
    }

    /** Reconnects a client of {@code identity} with the session it had; the caller reads the first frame. */
    public WsClient resume(String room, String identity, String sessionId, long lastSeq) throws Exception {
        return WsClient.connect(rtc(token(room, identity, Role.SPEAKER), sessionId, lastSeq));
    }

    /** Connects as a speaker and returns once {@code joined} arrived. */
    public WsClient join(String room, String identity) throws Exception {
        return join(room, identity, Role.SPEAKER);
    }

    public WsClient join(String room, String identity, Role role) throws Exception {
        return join(token(room, identity, role));
    }

    /** Joins (creating the room in {@code mode} if it is new) and returns once {@code joined} arrived. */
    public WsClient join(String room, String identity, Role role, RoomMode mode) throws Exception {
        return join(token(room, identity, role, mode));
    }

    private WsClient join(String token) throws Exception {
        WsClient client = WsClient.connect(rtc(token));
        client.awaitJoined();
        return client;
    }

    public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        node.stop();
    }
}
