package io.bifrost.signaling.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checks that values that parsed also make sense together; reports every problem at once. */
final class ConfigValidator {
    /** HS256 needs a key at least as long as its hash output (RFC 7518 §3.2). */
    private static final int MIN_HMAC_SECRET_BYTES = 32;

    private ConfigValidator() {}

    static void validate(BifrostConfig c, Map<String, String> sources) throws ConfigException {
        List<String> problems = new ArrayList<>();
        Check check = (ok, key, message) -> {
            if (!ok) problems.add("'" + key + "'" + ConfigLoader.from(sources, key) + " " + message);
        };
        check.that(c.server().port() >= 0 && c.server().port() <= 65535, "server.port", "must be between 0 and 65535, got " + c.server().port());
        check.that(notBlank(c.server().host()), "server.host", "must not be empty");
        check.that(!c.server().shutdownGrace().isNegative(), "server.shutdownGrace", "must not be negative");
        check.that(c.server().drainRate() >= 0, "server.drainRate", "must be 0 (all at once) or more clients a second");
        tlsAndAdmin(c.server(), check);
        for (String origin : c.server().allowedOrigins()) {
            check.that(origin.matches("https?://[^/\\s]+"), "server.allowedOrigins",
                    "'" + origin + "' is no origin: scheme and host (and port), such as https://app.example.org, without a path");
        }
        c.auth().hmacKeys().forEach((kid, secret) -> check.that(secret != null && secret.getBytes(StandardCharsets.UTF_8).length >= MIN_HMAC_SECRET_BYTES,
                "auth.hmacKeys." + kid, "must be at least " + MIN_HMAC_SECRET_BYTES + " bytes long"));
        check.that(notBlank(c.auth().audience()), "auth.audience", "must not be empty");
        check.that(positive(c.auth().jwksCacheTtl()), "auth.jwksCacheTtl", "must be positive");
        check.that(!c.auth().clockSkew().isNegative(), "auth.clockSkew", "must not be negative");
        check.that(List.of("allow", "refuse").contains(c.auth().reuseAfterLeave()), "auth.reuseAfterLeave", "must be allow or refuse");
        String jwks = c.auth().jwksUrl();
        check.that(jwks == null || jwks.isEmpty() || jwks.startsWith("https://") || jwks.startsWith("http://"),
                "auth.jwksUrl", "must be an http(s) URL, got '" + jwks + "'");
        check.that(c.rooms().maxParticipants() >= 1, "rooms.maxParticipants", "must be at least 1");
        check.that(!c.rooms().resumeWindow().isNegative(), "rooms.resumeWindow", "must not be negative (0 turns resume off)");
        check.that(c.rooms().defaultMode().equals("mesh") || c.rooms().defaultMode().equals("broadcast"),
                "rooms.defaultMode", "must be mesh or broadcast");
        check.that(List.of("replace", "reject", "allow").contains(c.rooms().duplicateIdentity()), "rooms.duplicateIdentity",
                "must be replace, reject or allow");
        check.that(c.rooms().largeAudience() >= 0, "rooms.largeAudience", "must not be negative (0 counts every listener)");
        for (String url : c.sfu().janus()) {
            check.that(url.startsWith("ws://") || url.startsWith("wss://"), "sfu.janus",
                    "entries must be Janus WebSocket API URLs starting with ws:// or wss://");
        }
        check.that(c.sfu().listenersPerNode() >= 1, "sfu.listenersPerNode", "must be at least 1");
        check.that(positive(c.sfu().pingInterval()), "sfu.pingInterval", "must be positive");
        check.that(positive(c.sfu().pingTimeout()), "sfu.pingTimeout", "must be positive");
        if (c.redis().enabled()) {
            for (String url : c.redis().url().split(",")) {
                check.that(url.trim().startsWith("redis://") || url.trim().startsWith("rediss://"), "redis.url",
                        "entries must start with redis:// or rediss://");
            }
        }
        check.that(positive(c.redis().commandTimeout()), "redis.commandTimeout", "must be positive");
        check.that(c.redis().streamLength() >= 100, "redis.streamLength", "must be at least 100");
        var limits = c.limits();
        check.that(limits.maxMessageBytes() >= 1024, "limits.maxMessageBytes", "must be at least 1024 (an SDP offer alone is a few KiB)");
        check.that(limits.maxFrameBytes() >= limits.maxMessageBytes(), "limits.maxFrameBytes",
                "must be at least limits.maxMessageBytes (" + limits.maxMessageBytes() + ")");
        check.that(limits.messagesPerSecond() >= 1, "limits.messagesPerSecond", "must be at least 1");
        check.that(limits.connectionsPerIp() >= 0, "limits.connectionsPerIp", "must be 0 (no limit) or more");
        check.that(limits.joinsPerSecondPerIp() >= 0, "limits.joinsPerSecondPerIp", "must be 0 (no limit) or more");
        check.that(limits.joinsPerSecondPerRoom() >= 0, "limits.joinsPerSecondPerRoom", "must be 0 (no limit) or more");
        check.that(limits.messagesPerSecondPerRoom() >= 0, "limits.messagesPerSecondPerRoom", "must be 0 (no limit) or more");
        check.that(limits.roomsPerNode() >= 0, "limits.roomsPerNode", "must be 0 (no limit) or more");
        check.that(limits.messageBurst() >= 1, "limits.messageBurst", "must be at least 1");
        check.that(limits.outboundQueueFrames() >= 8, "limits.outboundQueueFrames", "must be at least 8");
        check.that(positive(limits.pingInterval()), "limits.pingInterval", "must be positive");
        check.that(limits.pingTimeout().compareTo(limits.pingInterval()) > 0, "limits.pingTimeout",
                "(" + Durations.format(limits.pingTimeout()) + ") must be longer than limits.pingInterval ("
                        + Durations.format(limits.pingInterval()) + ")");
        for (String url : c.ice().urls()) {
            check.that(url.startsWith("stun:") || url.startsWith("turn:") || url.startsWith("turns:"),
                    "ice.urls", "entries must start with stun:, turn: or turns:, got '" + url + "'");
        }
        if (notBlank(c.ice().turnSecret())) {
            check.that(c.ice().urls().stream().anyMatch(url -> !url.startsWith("stun:")), "ice.turnSecret",
                    "is set, but ice.urls has no turn: or turns: URL to give credentials for");
        }
        check.that(c.ice().turnCredentialTtl().compareTo(Duration.ofMinutes(1)) >= 0, "ice.turnCredentialTtl",
                "must be at least 1m");
        webhooks(c, check);
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    private static void tlsAndAdmin(BifrostConfig.Server server, Check check) {
        BifrostConfig.Tls tls = server.tls();
        if (tls.enabled()) {
            check.that(java.nio.file.Files.isReadable(java.nio.file.Path.of(tls.keyStore())), "server.tls.keyStore",
                    "'" + tls.keyStore() + "' is not a readable file");
            check.that(notBlank(tls.keyStorePassword()), "server.tls.keyStorePassword",
                    "must be set: a PKCS#12 key store without a password cannot hold a private key here");
        }
        check.that(tls.reloadInterval().compareTo(Duration.ofSeconds(1)) >= 0, "server.tls.reloadInterval", "must be at least 1s");
        check.that(server.adminPort() >= -1 && server.adminPort() <= 65535, "server.adminPort",
                "must be -1 (the REST API and metrics on server.port), 0 (any free port) or a port up to 65535");
        check.that(server.adminPort() <= 0 || server.adminPort() != server.port(), "server.adminPort",
                "must differ from server.port (" + server.port() + ")");
        check.that(notBlank(server.adminHost()), "server.adminHost", "must not be empty");
    }

    private static void webhooks(BifrostConfig c, Check check) {
        BifrostConfig.Webhooks w = c.webhooks();
        check.that(positive(w.timeout()), "webhooks.timeout", "must be positive");
        check.that(w.maxAttempts() >= 1, "webhooks.maxAttempts", "must be at least 1");
        check.that(positive(w.initialBackoff()), "webhooks.initialBackoff", "must be positive");
        check.that(w.maxBackoff().compareTo(w.initialBackoff()) >= 0, "webhooks.maxBackoff",
                "must be at least webhooks.initialBackoff (" + Durations.format(w.initialBackoff()) + ")");
        check.that(w.queueLimit() >= 1, "webhooks.queueLimit", "must be at least 1");
        if (!w.enabled()) {
            check.that(w.keyId().isEmpty(), "webhooks.keyId", "is set, but webhooks.url is not");
            return;
        }
        check.that(w.url().startsWith("https://") || w.url().startsWith("http://"), "webhooks.url",
                "must be an http(s) URL, got '" + withoutCredentials(w.url()) + "'");
        // Java's HTTP client sends no user-info, and the URL is logged at start-up: credentials
        // there would do nothing but leak.
        check.that(withoutCredentials(w.url()).equals(w.url()), "webhooks.url",
                "must not carry credentials (user:password@): your endpoint verifies the Bifrost-Signature header instead");
        Map<String, String> keys = c.auth().hmacKeys();
        if (!w.keyId().isEmpty()) {
            check.that(keys.containsKey(w.keyId()), "webhooks.keyId",
                    "must name a key of auth.hmacKeys, which has " + (keys.isEmpty() ? "none" : String.join(", ", keys.keySet())));
        } else {
            check.that(keys.size() == 1 || c.auth().developmentMode(), "webhooks.keyId", keys.isEmpty()
                    ? "must be set: webhooks are signed with an HMAC key of auth.hmacKeys, and none is configured"
                    : "must name the key of auth.hmacKeys that signs webhooks, one of " + String.join(", ", keys.keySet()));
        }
    }

    /** The URL with what stands between its scheme and an {@code @} left out, for messages. */
    private static String withoutCredentials(String url) {
        return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1…@");
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    private interface Check {
        void that(boolean ok, String key, String message);
    }
}
