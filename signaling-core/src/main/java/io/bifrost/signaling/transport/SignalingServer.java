package io.bifrost.signaling.transport;

import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.rooms.room.Rooms;
import io.bifrost.signaling.config.BifrostConfig;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.protocol.ErrorCode;
import io.bifrost.signaling.session.Sessions;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.ssl.KeyStoreScanner;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * The HTTP side of a node: the {@code /rtc} websocket, admitted before the upgrade, and the
 * plain endpoints ({@code /rtc/validate}, health, metrics, the demo page).
 */
public final class SignalingServer {
    /**
     * Jetty's idle timeout (no read or write progress) is a backstop behind the ping timeout,
     * which ends silent sessions first; it also bounds a write stuck on a peer that stopped reading.
     */
    private static final Duration IDLE_TIMEOUT_MARGIN = Duration.ofSeconds(15);
    /**
     * Connections the kernel may hold before they are accepted. Jetty leaves the JVM's 50, which
     * a reconnect storm (a node restarting, thousands of clients coming back at once) overflows
     * into SYN retries a second or more apart; the kernel caps it at net.core.somaxconn.
     */
    private static final int ACCEPT_QUEUE = 1024;

    private final Server server;
    private final ServerConnector connector;
    private final ServerConnector adminConnector; // null when the admin endpoints share the main port

    public SignalingServer(BifrostConfig config, TokenVerifier verifier, Rooms rooms, Sessions sessions,
                           BifrostMetrics metrics, TokenIssuer devIssuer) {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("bifrost-http");
        server = new Server(threads);
        BifrostConfig.Server s = config.server();
        // One key store for both ports: the REST API keeps TLS on the admin port.
        SslContextFactory.Server tls = s.tls().enabled() ? tls(server, s.tls()) : null;
        connector = connector(server, tls);
        connector.setHost(s.host());
        connector.setPort(s.port());
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        server.addConnector(connector);
        if (s.hasAdminPort()) {
            adminConnector = connector(server, tls);
            adminConnector.setHost(s.adminHost());
            adminConnector.setPort(s.adminPort());
            server.addConnector(adminConnector);
        } else {
            adminConnector = null;
        }
        server.setStopTimeout(config.server().shutdownGrace().toMillis());

        Admission admission = new Admission(verifier, rooms, sessions, config.limits().roomsPerNode());
        ContextHandler context = new ContextHandler("/");
        server.setHandler(context);
        BifrostConfig.Limits limits = config.limits();
        ClientLimits clientLimits = new ClientLimits(config.server().allowedOrigins(), limits.connectionsPerIp(),
                limits.joinsPerSecondPerIp(), limits.joinsPerSecondPerRoom());
        WebSocketUpgradeHandler websocket = new WebSocketUpgradeHandler(WebSocketServerComponents.ensureWebSocketComponents(server, context));
        Configuration sockets = websocket.getConfiguration();
        // Messages above maxMessageBytes are refused by the session with `too-large` and the
        // connection lives on; only a frame, or a message in fragments, above maxFrameBytes
        // closes it (1009).
        sockets.setMaxTextMessageSize(limits.maxFrameBytes());
        sockets.setMaxBinaryMessageSize(limits.maxFrameBytes());
        // A frame whose header announces more is refused by that header, before its payload is
        // read: left to auto-fragmenting, Jetty would read and buffer a whole megabyte of it
        // first, in arrays the collector allocates outside the young generation and that the
        // session then holds for its resume window, which makes the collector pause everyone.
        sockets.setMaxFrameSize(limits.maxFrameBytes());
        sockets.setAutoFragment(false);
        sockets.setIdleTimeout(limits.pingTimeout().plus(IDLE_TIMEOUT_MARGIN));
        websocket.addMapping("/rtc", (WebSocketNegotiator) (request, response, callback) -> {
            String address = ClientLimits.address(request.getConnectionMetaData().getRemoteSocketAddress());
            Fields query = UpgradeQuery.of(request);
            // The cheap checks first: a flood of joins costs no signature checks.
            Admission.Decision decision = clientLimits.originAllowed(request.getHeaders().get(HttpHeader.ORIGIN))
                    ? clientLimits.joinAllowed(address, System.nanoTime())
                            ? admission.decide(HttpRoutes.token(query, request), query.getValue("room"))
                            : Admission.refuse(Admission.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, "join-rate",
                                    "too many joins from " + address + "; at most " + limits.joinsPerSecondPerIp() + " a second")
                    : Admission.refuse(Admission.FORBIDDEN, ErrorCode.FORBIDDEN, "origin-not-allowed",
                            "pages of this origin may not connect (server.allowedOrigins)");
            if (decision.admitted() && !clientLimits.roomJoinAllowed(decision.claims().room(), System.nanoTime())) {
                decision = Admission.refuse(Admission.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, "room-join-rate",
                        "room " + decision.claims().room() + " takes at most " + clientLimits.joinsPerSecondPerRoom()
                                + " joins a second here; try again shortly");
            }
            Runnable release = decision.admitted() ? clientLimits.openConnection(address) : null;
            if (decision.admitted() && release == null) {
                decision = Admission.refuse(Admission.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, "too-many-connections",
                        address + " holds " + limits.connectionsPerIp() + " connections, the most one address may");
            }
            if (!decision.admitted()) {
                metrics.join(decision.reason());
                HttpRoutes.writeRefusal(response, callback, decision);
                return null;
            }
            // No permessage-deflate, though browsers offer it: signaling frames are small, and
            // compressing per connection would undo encoding a room's event once for everyone.
            response.setExtensions(List.of());
            return new RtcEndpoint(decision.claims(), decision.tokenId(), HttpRoutes.resumeRequest(query), sessions, release);
        });
        RestApi api = new RestApi(verifier, rooms, RoomMode.fromWire(config.rooms().defaultMode()));
        websocket.setHandler(new HttpRoutes(admission, api, clientLimits, metrics, sessions, devIssuer, config.server().demoPage(),
                adminConnector));
        context.setHandler(UpgradeQuery.around(websocket, "/rtc"));
    }

    /**
     * A PKCS#12 key store, reloaded when the file changes: a renewed certificate reaches new
     * connections without a restart, established ones keep theirs.
     */
    private static SslContextFactory.Server tls(Server server, BifrostConfig.Tls tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(tls.keyStore());
        ssl.setKeyStorePassword(tls.keyStorePassword());
        ssl.setKeyStoreType("PKCS12");
        KeyStoreScanner reload = new KeyStoreScanner(ssl);
        reload.setScanInterval((int) Math.max(1, tls.reloadInterval().toSeconds()));
        server.addBean(reload);
        return ssl;
    }

    /** HTTP and WS, or HTTPS and WSS when {@code tls} is given. */
    private static ServerConnector connector(Server server, SslContextFactory.Server tls) {
        if (tls == null) {
            return new ServerConnector(server);
        }
        HttpConfiguration https = new HttpConfiguration();
        https.addCustomizer(new SecureRequestCustomizer());
        return new ServerConnector(server, tls, new HttpConnectionFactory(https));
    }

    public void start() throws Exception {
        server.start();
    }

    public void stop() throws Exception {
        server.stop();
    }

    /** The bound port: the configured one, or the one picked for port 0. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The bound admin port, or -1 when the admin endpoints share {@link #port()}. */
    public int adminPort() {
        return adminConnector == null ? -1 : adminConnector.getLocalPort();
    }

}
