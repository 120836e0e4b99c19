package io.bifrost.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Public keys fetched from a JWKS URL, through Nimbus' caching {@link JWKSourceBuilder} stack.
 *
 * <p>A token whose key is in the cached set costs no I/O. A kid missing from the set triggers one
 * refresh (so a rotated-in key is found), rate-limited so that a flood of made-up kids cannot turn
 * into a flood of requests to the JWKS host. When the host is down, the last good set keeps being
 * served for a while (outage tolerance), so a JWKS outage does not lock everyone out at once.
 */
final class JwksKeys {

    /** The JWKS host is usually a CDN or the app's own backend: 2 s is ample to connect, and a join waits on it. */
    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /** A JWKS is a few KB; 3 s to read it leaves a cold join under 5 s even when the host is slow. */
    static final int READ_TIMEOUT_MILLIS = 3_000;
    /** A JWKS with a handful of keys is 1-5 KB; the cap keeps a wrong URL (a web page, a stream) from using memory. */
    static final int SIZE_LIMIT_BYTES = 64 * 1024;
    /**
     * How long a join waits for another thread's refresh of the set before giving up: one full
     * fetch (connect plus read) and a second of slack.
     */
    static final long REFRESH_WAIT_MILLIS = CONNECT_TIMEOUT_MILLIS + READ_TIMEOUT_MILLIS + 1_000L;
    /** Refresh in the background this long before the cached set expires, so joins rarely wait for a fetch. */
    static final long REFRESH_AHEAD_MILLIS = 30_000L;
    /**
     * At most two fetches per 30 s: unknown kids are attacker-controlled, and each one asks for a
     * refresh. Within the window a join needing a fetch is refused as key-source-unavailable.
     */
    static final long MIN_FETCH_INTERVAL_MILLIS = 30_000L;
    /**
     * The shortest cache TTL the builder accepts. Below a minute the rate limit and the
     * refresh-ahead window no longer fit in the TTL, and the JWKS host would be asked too often.
     */
    static final Duration MIN_CACHE_TTL = Duration.ofMinutes(1);
    /** Keys converted for verification, by kid; the cap bounds memory if a JWKS rotates through many kids. */
    private static final int MAX_CONVERTED_KEYS = 64;
    /** The background refresh thread exits when idle this long: refreshes happen once per cache TTL at most. */
    private static final long REFRESH_THREAD_IDLE_SECONDS = 30;

    private final JWKSource<SecurityContext> source;
    /** Written by whichever verifying thread first converts a key after a refresh; read by all. */
    private final ConcurrentHashMap<String, Converted> converted = new ConcurrentHashMap<>();

    private record Converted(JWK jwk, VerificationKey key) {
    }

    /**
     * Refuses a configuration that could never work, at configuration time rather than on the first join.
     *
     * @throws IllegalArgumentException when the URL is not http(s) or the TTL is shorter than {@link #MIN_CACHE_TTL}
     */
    static URL checkConfig(URI uri, Duration cacheTtl) {
        String scheme = uri.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            // Nimbus would also read file: URLs; a key source is fetched over HTTP(S) or not at all.
            throw new IllegalArgumentException("JWKS URL must be http or https, was " + uri);
        }
        if (cacheTtl.compareTo(MIN_CACHE_TTL) < 0) {
            throw new IllegalArgumentException("JWKS cache TTL must be at least " + MIN_CACHE_TTL + ", was " + cacheTtl);
        }
        try {
            return uri.toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("JWKS URL is not a valid URL: " + uri, e);
        }
    }

    JwksKeys(URI uri, Duration cacheTtl) {
        URL url = checkConfig(uri, cacheTtl);
        DefaultResourceRetriever retriever =
                new DefaultResourceRetriever(CONNECT_TIMEOUT_MILLIS, READ_TIMEOUT_MILLIS, SIZE_LIMIT_BYTES);
        this.source = JWKSourceBuilder.create(url, retriever)
                .cache(cacheTtl.toMillis(), REFRESH_WAIT_MILLIS)
                .refreshAheadCache(REFRESH_AHEAD_MILLIS, null, refreshExecutor(), true, null, false)
                .rateLimited(MIN_FETCH_INTERVAL_MILLIS)
                // Serves the last good set for ten times the cache TTL while the host fails.
                .outageTolerant(true)
                .build();
    }

    /**
     * Nimbus' default refresh executor has a non-daemon thread that would keep the JVM alive and
     * never stop; this one is a daemon, named, and exits when idle.
     */
    private static ExecutorService refreshExecutor() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, REFRESH_THREAD_IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "bifrost-jwks-refresh");
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /**
     * The key with this kid, or null when the JWKS has none.
     *
     * @param algorithm the token's algorithm, to prefer the matching key when a kid is used twice
     * @throws TokenException {@code KEY_SOURCE_UNAVAILABLE} when the set could not be fetched
     */
    VerificationKey find(String kid, JWSAlgorithm algorithm) throws TokenException {
        JWKSelector selector = new JWKSelector(new JWKMatcher.Builder()
                .keyID(kid)
                .keyTypes(KeyType.RSA, KeyType.EC)
                .keyUses(KeyUse.SIGNATURE, null)
                .build());
        List<JWK> matches;
        try {
            matches = source.get(selector, null);
        } catch (KeySourceException e) {
            // Also a rate-limited refresh: the key may well exist, so "retry later" is the honest answer.
            throw new TokenException(TokenException.Reason.KEY_SOURCE_UNAVAILABLE,
                    "could not fetch the signing keys (JWKS); retry later", e);
        }
        if (matches.isEmpty()) {
            return null;
        }
        if (matches.size() > 1) {
            // The same kid on several keys (say an RSA and an EC one) is unusual; take the one
            // that allows the token's algorithm, without caching the choice.
            VerificationKey fallback = null;
            for (JWK candidate : matches) {
                VerificationKey key = convert(candidate);
                if (key.allows(algorithm)) {
                    return key;
                }
                fallback = fallback == null ? key : fallback;
            }
            return fallback;
        }
        JWK jwk = matches.get(0);
        Converted cached = converted.get(kid);
        // The cached set hands out the same JWK instance until it is refreshed, so identity tells
        // whether the conversion (a KeyFactory call and a verifier) is still current.
        if (cached != null && cached.jwk == jwk) {
            return cached.key;
        }
        VerificationKey key = convert(jwk);
        if (converted.size() >= MAX_CONVERTED_KEYS) {
            converted.clear();
        }
        converted.put(kid, new Converted(jwk, key));
        return key;
    }

    private static VerificationKey convert(JWK jwk) {
        try {
            return VerificationKey.fromJwk(jwk);
        } catch (JOSEException e) {
            return new VerificationKey(jwk.getKeyType().getValue() + ", unreadable", List.of(), null);
        }
    }
}
