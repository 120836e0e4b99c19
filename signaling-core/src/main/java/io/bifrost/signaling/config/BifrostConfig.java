package io.bifrost.signaling.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a node can be configured with, grouped by concern. {@link #defaults()} is a
 * working single node; {@link ConfigLoader} overlays a YAML file, {@code BIFROST_*} environment
 * variables and command-line flags, and validates the result.
 */
public record BifrostConfig(Server server, Auth auth, Rooms rooms, Limits limits, Ice ice, Redis redis, Sfu sfu,
                            Webhooks webhooks) {

    /**
     * @param host interface to listen on; default {@code 0.0.0.0}
     * @param port HTTP and websocket port, 0 for any free port; default 7800
     * @param shutdownGrace how long a stopping node waits for clients to go; default 5s
     * @param drainRate clients a stopping node sends to other nodes per second, more only when
     *     needed to send them all within half of {@code shutdownGrace}; each is a join where it
     *     lands, so a node of ten thousand sent at once would be a connect storm there; 0 sends
     *     all at once; default 1000
     * @param demoPage serve the demo page at {@code /}; default true
     * @param allowedOrigins the browser origins ({@code https://app.example.org}) whose pages may
     *     open the websocket; clients that send no {@code Origin} are not affected; default none,
     *     which allows every origin
     * @param tls HTTPS and WSS on {@code port}; default off (plain HTTP, for a node behind a TLS-terminating proxy)
     * @param adminPort a port of its own for the app's backend and the operator: the REST API and
     *     {@code /metrics} are then served there only, and answer 404 on {@code port}; default -1
     *     (served on {@code port}); 0 for any free port
     * @param adminHost the interface of {@code adminPort}; default {@code 127.0.0.1}
     */
    public record Server(String host, int port, Duration shutdownGrace, int drainRate, boolean demoPage, List<String> allowedOrigins,
                         Tls tls, int adminPort, String adminHost) {

        public boolean hasAdminPort() {
            return adminPort >= 0;
        }
    }

    /**
     * @param keyStore a PKCS#12 file with the server's private key and certificate chain; default
     *     none (no TLS). {@code openssl pkcs12 -export -in fullchain.pem -inkey privkey.pem -out bifrost.p12}
     *     makes one from PEM files
     * @param keyStorePassword its password; default none
     * @param reloadInterval how often the file is checked for a renewed certificate, which new
     *     connections then get without a restart; default 1m
     */
    public record Tls(String keyStore, String keyStorePassword, Duration reloadInterval) {

        public boolean enabled() {
            return keyStore != null && !keyStore.isBlank();
        }
    }

    /**
     * With no key configured at all, the node signs and accepts tokens with a development key
     * kept in {@code devKeyFile} and offers {@code /dev/token}; never do that in production.
     *
     * @param hmacKeys HS256/384/512 secrets by key id (at least 32 bytes each); default none
     * @param publicKeys PEM files of RSA or EC public keys, by key id; default none
     * @param jwksUrl a JWKS URL to fetch public keys from; default none
     * @param jwksCacheTtl how long fetched JWKS keys are trusted; default 5m
     * @param audience the {@code aud} every token must carry; default {@code bifrost}
     * @param clockSkew tolerance for {@code exp} and {@code nbf}; default 10s
     * @param devKeyFile where the development key lives; default {@code ~/.bifrost/dev-key}, or
     *     {@code ./.bifrost/dev-key} when the home directory is read-only (filled in by the loader)
     * @param reuseAfterLeave whether a token whose participant left or was removed may join again
     *     while it is valid: {@code allow}, or {@code refuse} (with {@code token-spent}; the
     *     fresh tokens the session was sent are refused too); default {@code allow}
     */
    public record Auth(Map<String, String> hmacKeys, Map<String, String> publicKeys, String jwksUrl,
                       Duration jwksCacheTtl, String audience, Duration clockSkew, String devKeyFile, String reuseAfterLeave) {

        public boolean developmentMode() {
            return hmacKeys.isEmpty() && publicKeys.isEmpty() && (jwksUrl == null || jwksUrl.isEmpty());
        }
    }

    /**
     * @param maxParticipants the most participants one room admits; default 100
     * @param resumeWindow how long a participant whose connection dropped stays in its room,
     *     invisible to the others, so that its client can resume; 0 disables resume; default 20s
     * @param defaultMode the mode of a room whose creating token names none: {@code mesh} or
     *     {@code broadcast}; default {@code mesh}
     * @param largeAudience a broadcast room with more listeners than this is a large audience:
     *     its listeners' joins and leaves are no longer announced one by one, clients get a
     *     {@code listeners} count instead; default 100
     * @param duplicateIdentity what a room does when an identity already in it joins again:
     *     {@code replace} (the newer connection wins, the older leaves with {@code duplicate-identity}),
     *     {@code reject} (the newer join is refused) or {@code allow} (both stay); default {@code replace}
     */
    public record Rooms(int maxParticipants, Duration resumeWindow, String defaultMode, int largeAudience,
                        String duplicateIdentity) {}

    /**
     * @param maxMessageBytes a larger frame is refused with {@code too-large}; default 64 KiB
     * @param maxFrameBytes a larger frame closes the connection (1009); default 1 MiB
     * @param messagesPerSecond sustained messages per session; default 50
     * @param messageBurst messages a session may send at once; default 200
     * @param outboundQueueFrames frames waiting for a slow client before it is cut off; default 1024
     * @param pingInterval how often clients ping; default 10s
     * @param pingTimeout silence after which a client is considered gone; default 30s
     * @param connectionsPerIp the most websockets one client address holds at once, 0 for no
     *     limit; behind a load balancer every client has the balancer's address; default 0
     * @param joinsPerSecondPerIp joins and resumes one client address may start per second, 0 for
     *     no limit; default 0
     * @param joinsPerSecondPerRoom joins and resumes a node admits to one room per second, 0 for
     *     no limit; default 0
     * @param messagesPerSecondPerRoom chat messages a node takes for one room per second (each
     *     goes to everyone in it), 0 for no limit; default 0
     * @param roomsPerNode the most rooms a node holds participants of; a join to another room is
     *     refused with {@code room-limit} (a load balancer then tries another node), 0 for no limit; default 0
     */
    public record Limits(int maxMessageBytes, int maxFrameBytes, int messagesPerSecond, int messageBurst,
                         int outboundQueueFrames, Duration pingInterval, Duration pingTimeout, int connectionsPerIp,
                         int joinsPerSecondPerIp, int joinsPerSecondPerRoom, int messagesPerSecondPerRoom,
                         int roomsPerNode) {}

    /**
     * @param urls STUN/TURN URLs given to clients in {@code joined} and {@code resumed}; default none
     *     (host candidates only)
     * @param turnSecret coturn's {@code static-auth-secret}: each session's {@code turn:}/{@code turns:}
     *     entry then carries credentials of its own; default none
     * @param turnCredentialTtl how long those credentials are valid; a resumed session gets new ones; default 6h
     */
    public record Ice(List<String> urls, String turnSecret, Duration turnCredentialTtl) {}

    /**
     * Setting a URL turns on cluster mode: the node shares its rooms with every node on the same
     * Redis (a single server or a Redis Cluster, found out by asking).
     *
     * @param url {@code redis://[:password@]host:port}, or several comma-separated seeds of a
     *     Redis Cluster; default none (a single node, rooms in memory)
     * @param commandTimeout how long a Redis command may take, hiccups included; default 10s
     * @param streamLength room events each room's stream keeps, for resume and repair; default 10000
     */
    public record Redis(String url, Duration commandTimeout, long streamLength) {

        public boolean enabled() {
            return url != null && !url.isBlank();
        }
    }

    /**
     * The Janus nodes that carry broadcast rooms' media. A broadcast's speakers publish to one
     * of them (its origin); listeners fill the origin, then further nodes (edges), which receive
     * the speakers' audio from the origin.
     *
     * @param janus WebSocket API URLs of the Janus nodes, e.g. {@code ws://10.0.0.5:8188}; default
     *     none (broadcast rooms then answer {@code sfu-unavailable})
     * @param apiSecret the Janus {@code api_secret}; default none
     * @param adminKey the VideoRoom plugin's {@code admin_key}, needed to create rooms and cascade; default none
     * @param listenersPerNode listeners one Janus node serves before the next one is used; default 500
     * @param pingInterval how often each Janus node is asked whether it is alive; default 5s
     * @param pingTimeout a node that does not answer a ping within this is dead: its listeners
     *     move to another node, its publishers publish again; default 5s
     */
    public record Sfu(List<String> janus, String apiSecret, String adminKey, int listenersPerNode,
                      Duration pingInterval, Duration pingTimeout) {

        public boolean enabled() {
            return !janus.isEmpty();
        }
    }

    /**
     * Webhooks: what happens in rooms, POSTed to the app's backend, signed, at least once and in
     * order per room (see {@code docs/webhooks.md}).
     *
     * @param url where to POST them, {@code http(s)://…}; default none (no webhooks)
     * @param keyId the HMAC key of {@code auth.hmacKeys} that signs them; default the only one
     *     there is, or the development key
     * @param timeout how long one delivery may take before it counts as failed; default 5s
     * @param maxAttempts deliveries tried before a webhook is dead-lettered; default 8
     * @param initialBackoff the pause before the first retry, doubled after each (with jitter); default 1s
     * @param maxBackoff the longest pause between retries; default 60s
     * @param queueLimit webhooks a single node keeps in memory for an unreachable receiver; beyond
     *     them new ones are dropped and counted (a cluster queues in Redis instead); default 100000
     */
    public record Webhooks(String url, String keyId, Duration timeout, int maxAttempts, Duration initialBackoff,
                           Duration maxBackoff, int queueLimit) {

        public boolean enabled() {
            return url != null && !url.isBlank();
        }
    }

    public static BifrostConfig defaults() {
        return new BifrostConfig(
                new Server("0.0.0.0", 7800, Duration.ofSeconds(5), 1000, true, List.of(), new Tls("", "", Duration.ofMinutes(1)), -1,
                        "127.0.0.1"),
                new Auth(Map.of(), Map.of(), "", Duration.ofMinutes(5), "bifrost", Duration.ofSeconds(10), "", "allow"),
                new Rooms(100, Duration.ofSeconds(20), "mesh", 100, "replace"),
                new Limits(64 * 1024, 1024 * 1024, 50, 200, 1024, Duration.ofSeconds(10), Duration.ofSeconds(30), 0, 0, 0, 0, 0),
                new Ice(List.of(), "", Duration.ofHours(6)),
                new Redis("", Duration.ofSeconds(10), 10_000),
                new Sfu(List.of(), "", "", 500, Duration.ofSeconds(5), Duration.ofSeconds(5)),
                new Webhooks("", "", Duration.ofSeconds(5), 8, Duration.ofSeconds(1), Duration.ofSeconds(60), 100_000));
    }
}
