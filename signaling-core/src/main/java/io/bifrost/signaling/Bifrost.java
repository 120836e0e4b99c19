package io.bifrost.signaling;

import io.bifrost.auth.DevKey;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.cluster.LocalBus;
import io.bifrost.rooms.cluster.redis.RedisHookQueue;
import io.bifrost.rooms.cluster.redis.RedisLink;
import io.bifrost.rooms.cluster.redis.RedisNodeRegistry;
import io.bifrost.rooms.cluster.redis.RedisRooms;
import io.bifrost.rooms.cluster.redis.RedisSpentTokens;
import io.bifrost.rooms.cluster.redis.RedisStreamsBus;
import io.bifrost.rooms.hooks.HookQueue;
import io.bifrost.rooms.hooks.HookSink;
import io.bifrost.rooms.hooks.LocalHookQueue;
import io.bifrost.rooms.room.DuplicateIdentity;
import io.bifrost.rooms.room.Ids;
import io.bifrost.rooms.room.LocalRooms;
import io.bifrost.rooms.room.Rooms;
import io.bifrost.rooms.room.SpentTokens;
import io.bifrost.sfu.SfuBridge;
import io.bifrost.sfu.janus.JanusBridge;
import io.bifrost.sfu.janus.JanusConfig;
import io.bifrost.signaling.config.BifrostConfig;
import io.bifrost.signaling.config.ConfigException;
import io.bifrost.signaling.config.Durations;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.session.Fanout;
import io.bifrost.signaling.session.IceServers;
import io.bifrost.signaling.session.SessionLimits;
import io.bifrost.signaling.session.Sessions;
import io.bifrost.signaling.session.TokenRefresh;
import io.bifrost.signaling.transport.SignalingServer;
import io.bifrost.signaling.webhooks.WebhookDispatcher;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Bifrost node: {@code Bifrost.create(config).start()}, then {@link #stop()}. Everything it
 * runs is built here, in plain constructor calls.
 */
public final class Bifrost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Bifrost.class);
    /** Liveness is checked once a second: ping timeouts are tens of seconds, so this is precise enough. */
    private static final long SWEEP_PERIOD_MILLIS = 1000;
    /** How often a draining node checks whether its clients have gone. */
    private static final long DRAIN_POLL_MILLIS = 20;
    /** A join waits this long for Redis to say whether its token was spent, then is let in (the token still verified). */
    private static final Duration SPENT_TOKEN_CHECK = Duration.ofSeconds(2);
    /** How long a stopping node waits for its rooms' last tasks before it sends their webhooks. */
    private static final long ROOM_THREADS_STOP_MILLIS = 2000;
    /**
     * Room events each room keeps in memory on each node, for clients that resume or joins whose
     * answer crossed newer events; a resume further behind reads the room's Redis stream.
     */
    private static final int HISTORY_EVENTS = 512;

    private final BifrostConfig config;
    private final ClusterBus bus;
    private final Rooms rooms;
    private final RedisLink redis;              // null on a single node
    private final RedisNodeRegistry registry;   // null on a single node
    private final ForkJoinPool roomThreads;
    private final Sessions sessions;
    private final BifrostMetrics metrics;
    private final SignalingServer server;
    private final TokenIssuer devIssuer;
    private final SfuBridge sfu;                // null when the node has no SFU
    private final ScheduledExecutorService sweeper;
    private final WebhookDispatcher webhooks;   // null when no webhooks are configured
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    private Bifrost(BifrostConfig config, SfuBridge sfu) throws ConfigException {
        this.config = config;
        this.sfu = sfu != null ? sfu : configuredSfu(config.sfu());
        DevKey devKey = config.auth().developmentMode() ? devKey(config) : null;
        this.devIssuer = devKey == null ? null
                : TokenIssuer.hmac(devKey.keyId(), devKey.secret()).withAudience(config.auth().audience());
        TokenVerifier verifier = verifier(config, devKey);
        Map<String, TokenIssuer> hmacIssuers = hmacIssuers(config.auth(), devIssuer);
        Codec codec = new Codec();
        // asyncMode: rooms' tasks are FIFO event-style work, never joined, which is what async mode is for.
        this.roomThreads = new ForkJoinPool(Runtime.getRuntime().availableProcessors(),
                pool -> {
                    var thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                    thread.setName("bifrost-room-" + thread.getPoolIndex());
                    return thread;
                }, null, true);
        this.metrics = new BifrostMetrics();
        DuplicateIdentity duplicates = DuplicateIdentity.fromWire(config.rooms().duplicateIdentity());
        HookQueue hookQueue;
        boolean refuseReuse = config.auth().reuseAfterLeave().equals("refuse");
        SpentTokens spentTokens;
        BifrostConfig.Redis redisConfig = config.redis();
        if (redisConfig.enabled()) {
            this.redis = connect(redisConfig);
            RedisStreamsBus redisBus = new RedisStreamsBus(redis, Ids.node(), redisConfig.streamLength(), HISTORY_EVENTS, metrics);
            RedisHookQueue hooks = config.webhooks().enabled() ? new RedisHookQueue(redisBus, hookLease(config.webhooks())) : null;
            RedisRooms redisRooms = new RedisRooms(redisBus, config.rooms().maxParticipants(), duplicates, this::roomEmptied,
                    hooks);
            hookQueue = hooks;
            spentTokens = refuseReuse ? new RedisSpentTokens(redisBus, SPENT_TOKEN_CHECK) : SpentTokens.NONE;
            this.bus = redisBus.start();
            this.rooms = redisRooms;
            this.registry = new RedisNodeRegistry(redisBus, redisRooms, () -> sessions().abandonAll());
            log.info("Node {} joins the cluster", redisBus.nodeId());
        } else {
            LocalBus localBus = new LocalBus(HISTORY_EVENTS);
            this.bus = localBus;
            LocalHookQueue hooks = config.webhooks().enabled()
                    ? new LocalHookQueue(config.webhooks().queueLimit(), () -> metrics.webhook("dropped")) : null;
            this.rooms = new LocalRooms(localBus, roomThreads, config.rooms().maxParticipants(), duplicates, this::roomEmptied,
                    hooks == null ? HookSink.NONE : hooks);
            hookQueue = hooks;
            spentTokens = refuseReuse ? new SpentTokens.InMemory() : SpentTokens.NONE;
            this.redis = null;
            this.registry = null;
            log.info("No Redis configured: single node, rooms live in memory");
        }
        Fanout fanout = new Fanout(codec);
        BifrostConfig.Limits l = config.limits();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bifrost-sweeper");
            t.setDaemon(true);
            return t;
        });
        this.sessions = new Sessions(rooms, bus, fanout, codec, metrics,
                new SessionLimits(l.maxMessageBytes(), l.messagesPerSecond(), l.messageBurst(), l.outboundQueueFrames(),
                        l.pingInterval(), l.pingTimeout(), config.rooms().resumeWindow(), l.messagesPerSecondPerRoom()),
                new IceServers(config.ice().urls(), config.ice().turnSecret(), config.ice().turnCredentialTtl(), Clock.systemUTC()),
                RoomMode.fromWire(config.rooms().defaultMode()), this.sfu, config.rooms().largeAudience(), redis != null,
                tokenRefresh(config.auth(), hmacIssuers), spentTokens,
                (task, delayNanos) -> sweeper.schedule(task, delayNanos, TimeUnit.NANOSECONDS));
        metrics.gauges(sessions::count, bus::rooms);
        if (this.sfu instanceof JanusBridge janus) {
            metrics.sfuGauges(janus::handleCount, () -> janus.aliveNodes().size());
        }
        this.server = new SignalingServer(config, verifier, rooms, sessions, metrics, devIssuer);
        this.webhooks = hookQueue == null ? null
                : new WebhookDispatcher(hookQueue, config.webhooks(), webhookSigner(config, hmacIssuers), metrics);
    }

    /** A broadcast nobody is in any more: its SFU room goes, on every SFU node. */
    private void roomEmptied(String room, RoomMode mode) {
        if (mode == RoomMode.BROADCAST && sfu != null) {
            sfu.close(room).whenComplete((v, failure) -> {
                if (failure != null) {
                    log.warn("Room {} is empty, but its SFU broadcast could not be closed: {}", room, failure.getMessage());
                }
            });
        }
    }

    public static Bifrost create(BifrostConfig config) throws ConfigException {
        return new Bifrost(config, null);
    }

    /** A node whose broadcast rooms use this SFU instead of the Janus nodes of {@code sfu.janus}. */
    public static Bifrost create(BifrostConfig config, SfuBridge sfu) throws ConfigException {
        return new Bifrost(config, sfu);
    }

    public Bifrost start() throws Exception {
        if (sfu != null) {
            sfu.onStart();
        }
        server.start();
        if (registry != null) {
            registry.start();
        }
        if (webhooks != null) {
            webhooks.start();
        }
        sweeper.scheduleAtFixedRate(() -> sessions.sweep(System.nanoTime()),
                SWEEP_PERIOD_MILLIS, SWEEP_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        log.info("Bifrost listening on port {}", port());
        return this;
    }

    /** The bound port; with port 0 configured, the one the system picked. */
    public int port() {
        return server.port();
    }

    /** The bound admin port ({@code server.adminPort}), or -1 when the REST API and metrics share {@link #port()}. */
    public int adminPort() {
        return server.adminPort();
    }

    /**
     * Drops a participant's websocket without a close handshake, as a network failure would:
     * its client resumes the session, or after the resume window its room sees it leave as
     * {@code disconnected}.
     *
     * @return false when the participant has no connection on this node
     */
    public boolean dropConnection(String participantId) {
        return sessions.drop(participantId);
    }

    /** The issuer of development tokens, present when no signing key is configured. */
    public Optional<TokenIssuer> devTokenIssuer() {
        return Optional.ofNullable(devIssuer);
    }

    /**
     * Drains, then stops: clients are told {@code server-shutdown} and closed, the node waits up
     * to {@code server.shutdownGrace} for them to go, then stops.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        drain();
        sessions.endDetached();
        sweeper.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("Jetty did not stop cleanly", e);
        }
        rooms.close();
        if (sfu != null) {
            sfu.onStop();
        }
        if (registry != null) {
            registry.close();
        }
        roomThreads.shutdown();
        if (webhooks != null) {
            awaitRoomThreads(); // the rooms' last hooks (the sessions' leaves) are recorded by then
            webhooks.close(config.server().shutdownGrace());
        }
        bus.close();
        if (redis != null) {
            redis.close();
        }
        metrics.close();
        log.info("Bifrost stopped");
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Sends the clients away and, in a cluster, waits for them to resume on other nodes, saying
     * so: an operator follows a rollout by these lines.
     */
    private void drain() {
        BifrostConfig.Server server = config.server();
        long started = System.nanoTime();
        long deadline = started + server.shutdownGrace().toNanos();
        int clients = sessions.count();
        if (clients > 0) {
            double pace = Sessions.drainPace(server.drainRate(), server.shutdownGrace().dividedBy(2), clients);
            String paced = Double.isInfinite(pace) ? "all at once (server.drainRate 0)"
                    : Math.round(pace) + " a second" + (pace > server.drainRate() ? ", to be done within half of server.shutdownGrace"
                    : " (server.drainRate)");
            String handOver = redis == null ? "" : "; they may resume on other nodes for up to "
                    + Durations.format(server.shutdownGrace()) + " (server.shutdownGrace)";
            log.info("Stopping: sending {} client(s) away, {}{}", clients, paced, handOver);
        }
        try {
            sessions.drain(server.drainRate(), server.shutdownGrace().dividedBy(2));
            while (sessions.count() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(DRAIN_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = sessions.count();
        if (left > 0) {
            log.warn("{} of {} client(s) did not resume on another node within server.shutdownGrace ({}): they leave their rooms now",
                    left, clients, Durations.format(server.shutdownGrace()));
        } else if (clients > 0) {
            log.info("All {} client(s) gone after {} ms", clients, (System.nanoTime() - started) / 1_000_000);
        }
    }

    private void awaitRoomThreads() {
        try {
            if (!roomThreads.awaitTermination(ROOM_THREADS_STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                log.warn("Rooms still busy after {} ms; their last webhooks may be missing", ROOM_THREADS_STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A room stays with a node that stopped renewing for this long: more than one delivery
     * attempt and the longest pause before the next.
     */
    private static Duration hookLease(BifrostConfig.Webhooks webhooks) {
        return webhooks.timeout().plus(webhooks.maxBackoff()).plusSeconds(10);
    }

    /** The key the validated configuration names for webhooks: {@code webhooks.keyId}, the only HMAC key, or the dev key. */
    private static TokenIssuer webhookSigner(BifrostConfig config, Map<String, TokenIssuer> hmacIssuers) {
        Map<String, String> keys = config.auth().hmacKeys();
        String keyId = config.webhooks().keyId();
        if (keyId.isEmpty()) {
            keyId = keys.size() == 1 ? keys.keySet().iterator().next() : DevKey.KEY_ID;
        }
        return hmacIssuers.get(keyId);
    }

    private static SfuBridge configuredSfu(BifrostConfig.Sfu sfu) {
        if (!sfu.enabled()) {
            log.info("No SFU configured: broadcast rooms answer sfu-unavailable when media is asked for");
            return null;
        }
        List<URI> nodes = sfu.janus().stream().map(URI::create).toList();
        log.info("Broadcast rooms use {} Janus node(s): {}", nodes.size(), nodes);
        return JanusBridge.create(JanusConfig.of(nodes)
                .withSecrets(emptyToNull(sfu.apiSecret()), emptyToNull(sfu.adminKey()))
                .withListenersPerNode(sfu.listenersPerNode())
                .withLiveness(sfu.pingInterval(), sfu.pingTimeout()));
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private Sessions sessions() {
        return sessions;
    }

    private static RedisLink connect(BifrostConfig.Redis config) throws ConfigException {
        try {
            return RedisLink.connect(config.url(), config.commandTimeout());
        } catch (RuntimeException e) {
            throw new ConfigException("cannot connect to Redis (redis.url): " + e.getMessage());
        }
    }

    /** Where the development key lives; the loader fills in the default. */
    public static Path devKeyFile(BifrostConfig config) {
        return Path.of(config.auth().devKeyFile());
    }

    private static TokenVerifier verifier(BifrostConfig config, DevKey devKeyOrNull) throws ConfigException {
        BifrostConfig.Auth auth = config.auth();
        TokenVerifier.Builder builder = TokenVerifier.builder().audience(auth.audience()).clockSkew(auth.clockSkew());
        if (devKeyOrNull != null) {
            builder.hmacKey(devKeyOrNull.keyId(), devKeyOrNull.secret());
        }
        for (Map.Entry<String, String> e : auth.hmacKeys().entrySet()) {
            builder.hmacKey(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, String> e : auth.publicKeys().entrySet()) {
            builder.publicKey(e.getKey(), readPublicKey(e.getKey(), Path.of(e.getValue())));
        }
        if (auth.jwksUrl() != null && !auth.jwksUrl().isBlank()) {
            builder.jwksUrl(URI.create(auth.jwksUrl()), auth.jwksCacheTtl());
        }
        return builder.build();
    }

    /**
     * Fresh tokens are signed with the key that signed the session's token, so only tokens of an
     * HMAC key this node holds are refreshed; the private key of a public key never reaches it.
     */
    private static TokenRefresh tokenRefresh(BifrostConfig.Auth auth, Map<String, TokenIssuer> issuers) {
        boolean asymmetric = !auth.publicKeys().isEmpty() || (auth.jwksUrl() != null && !auth.jwksUrl().isBlank());
        if (asymmetric && issuers.isEmpty()) {
            log.info("Join tokens are verified with public keys only (auth.publicKeys, auth.jwksUrl): this node cannot"
                    + " sign fresh ones, so clients need a new token from the app's backend before theirs expires");
        } else if (asymmetric) {
            log.info("Tokens signed with auth.hmacKeys are refreshed before they expire; tokens signed with"
                    + " auth.publicKeys or auth.jwksUrl keys are not, as this node cannot sign with those");
        }
        return new TokenRefresh(issuers, Clock.systemUTC());
    }

    /** The HMAC keys this node holds (the dev key among them, in development), as issuers by key id. */
    private static Map<String, TokenIssuer> hmacIssuers(BifrostConfig.Auth auth, TokenIssuer devIssuerOrNull) {
        Map<String, TokenIssuer> issuers = new HashMap<>();
        if (devIssuerOrNull != null) {
            issuers.put(DevKey.KEY_ID, devIssuerOrNull);
        }
        for (Map.Entry<String, String> e : auth.hmacKeys().entrySet()) {
            issuers.put(e.getKey(), TokenIssuer.hmac(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8))
                    .withAudience(auth.audience()));
        }
        return issuers;
    }

    private static DevKey devKey(BifrostConfig config) throws ConfigException {
        Path file = devKeyFile(config);
        try {
            DevKey key = DevKey.loadOrCreate(file);
            log.warn("No signing key configured: using the development key in {}; configure auth.hmacKeys, "
                    + "auth.publicKeys or auth.jwksUrl before exposing this node", file);
            return key;
        } catch (IOException e) {
            throw new ConfigException("cannot use the development key file " + file + ": " + e.getMessage());
        }
    }

    private static PublicKey readPublicKey(String keyId, Path pem) throws ConfigException {
        try {
            JWK jwk = JWK.parseFromPEMEncodedObjects(Files.readString(pem));
            if (!(jwk instanceof AsymmetricJWK)) {
                throw new ConfigException("auth.publicKeys." + keyId + ": " + pem + " holds no RSA or EC public key");
            }
            return ((AsymmetricJWK) jwk).toPublicKey();
        } catch (IOException e) {
            throw new ConfigException("auth.publicKeys." + keyId + ": cannot read " + pem + ": " + e.getMessage());
        } catch (JOSEException e) {
            throw new ConfigException("auth.publicKeys." + keyId + ": " + pem + " is not a PEM public key: " + e.getMessage());
        }
    }
}
