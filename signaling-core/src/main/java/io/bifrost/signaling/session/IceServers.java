package io.bifrost.signaling.session;

import io.bifrost.signaling.protocol.IceServer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The STUN and TURN servers a session is told about. With a TURN secret, each session gets TURN
 * credentials of its own in coturn's shared-secret scheme ({@code use-auth-secret}): the username
 * is the expiry in Unix seconds, a colon and the participant id; the password is the Base64
 * HMAC-SHA1 of the username under the secret. coturn checks both without asking anyone, and
 * refuses them once the expiry has passed.
 */
public final class IceServers {
    private static final String HMAC = "HmacSHA1";

    private final List<String> stunUrls;
    private final List<String> turnUrls;
    private final SecretKeySpec turnKey; // null: TURN URLs are handed out without credentials
    private final Duration ttl;
    private final Clock clock;

    /**
     * @param urls STUN and TURN URLs ({@code stun:}, {@code turn:}, {@code turns:})
     * @param turnSecret coturn's {@code static-auth-secret}, or blank for none
     * @param ttl how long a session's TURN credentials are valid
     */
    public IceServers(List<String> urls, String turnSecret, Duration ttl, Clock clock) {
        this.stunUrls = urls.stream().filter(url -> url.startsWith("stun:")).toList();
        this.turnUrls = urls.stream().filter(url -> !url.startsWith("stun:")).toList();
        this.turnKey = turnSecret == null || turnSecret.isBlank()
                ? null : new SecretKeySpec(turnSecret.getBytes(StandardCharsets.UTF_8), HMAC);
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The list for {@code joined} and {@code resumed}: STUN first, then TURN with this participant's credentials. */
    public List<IceServer> forParticipant(String participantId) {
        List<IceServer> servers = new ArrayList<>(2);
        if (!stunUrls.isEmpty()) {
            servers.add(IceServer.of(stunUrls));
        }
        if (!turnUrls.isEmpty()) {
            if (turnKey == null) {
                servers.add(IceServer.of(turnUrls));
            } else {
                String username = (clock.instant().plus(ttl).getEpochSecond()) + ":" + participantId;
                servers.add(new IceServer(turnUrls, username, credential(username)));
            }
        }
        return servers;
    }

    private String credential(String username) {
        try {
            Mac mac = Mac.getInstance(HMAC); // a Mac is not thread-safe, and one is cheap next to a join
            mac.init(turnKey);
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is missing from this JVM", e);
        }
    }
}
