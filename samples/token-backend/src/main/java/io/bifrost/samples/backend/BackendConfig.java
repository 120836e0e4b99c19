package io.bifrost.samples.backend;

import java.nio.file.Path;
import java.util.Map;

/**
 * How the backend is set up, from the environment.
 *
 * @param port where the backend listens ({@code PORT}, default 7900; 0 for any free port)
 * @param bifrostUrl where browsers reach Bifrost: the node, or the load balancer in front of several
 *     ({@code BIFROST_URL}, default {@code http://127.0.0.1:7800})
 * @param bifrostApiUrl where this backend calls Bifrost's REST API ({@code BIFROST_API_URL}, default {@code bifrostUrl})
 * @param keyId and {@code secret}: the HMAC key Bifrost knows ({@code BIFROST_KEY_ID},
 *     {@code BIFROST_SECRET}), which signs join and admin tokens and verifies webhooks
 * @param webRoot the web app to serve at {@code /} ({@code WEB_ROOT}, default {@code ../audio-room-web/dist})
 */
public record BackendConfig(int port, String bifrostUrl, String bifrostApiUrl, String keyId, String secret, Path webRoot) {

    public static BackendConfig fromEnvironment(Map<String, String> env) {
        String secret = env.get("BIFROST_SECRET");
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("BIFROST_SECRET is not set: the HMAC secret of a key in Bifrost's auth.hmacKeys");
        }
        String bifrostUrl = env.getOrDefault("BIFROST_URL", "http://127.0.0.1:7800");
        return new BackendConfig(Integer.parseInt(env.getOrDefault("PORT", "7900")), bifrostUrl,
                env.getOrDefault("BIFROST_API_URL", bifrostUrl), env.getOrDefault("BIFROST_KEY_ID", "app"), secret,
                Path.of(env.getOrDefault("WEB_ROOT", "../audio-room-web/dist")));
    }
}
