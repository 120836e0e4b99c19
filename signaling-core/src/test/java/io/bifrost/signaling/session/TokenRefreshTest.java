package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.Grants;
import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.rooms.room.Participant;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenRefreshTest {
    private static final byte[] SECRET = "a-secret-for-token-refresh-tests-32b".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final TokenIssuer APP = TokenIssuer.hmac("app", SECRET).withClock(Clock.fixed(NOW, ZoneOffset.UTC));

    private final TokenRefresh refresh = new TokenRefresh(Map.of("app", TokenIssuer.hmac("app", SECRET)),
            Clock.fixed(NOW.plusSeconds(2400), ZoneOffset.UTC));
    private final TokenVerifier verifier = TokenVerifier.builder().hmacKey("app", SECRET)
            .clock(Clock.fixed(NOW.plusSeconds(2400), ZoneOffset.UTC)).build();

    @Test
    void aShortTokenIsDueAtHalfItsLifetimeALongOneFiveMinutesBeforeItExpires() {
        TokenRefresh.Term short10s = new TokenRefresh.Term(NOW.plusSeconds(10), Duration.ofSeconds(10));
        assertThat(short10s.due(NOW.plusSeconds(4))).isFalse();
        assertThat(short10s.due(NOW.plusSeconds(5))).isTrue();
        TokenRefresh.Term hour = new TokenRefresh.Term(NOW.plusSeconds(3600), Duration.ofHours(1));
        assertThat(hour.due(NOW.plusSeconds(3600 - 301))).isFalse();
        assertThat(hour.due(NOW.plusSeconds(3600 - 300))).isTrue();
    }

    @Test
    void theFreshTokenHasTheSameKeyAndLifetimeAndTheParticipantsStateNow() throws Exception {
        JoinClaims original = verifier.verify(APP.issue(TokenRequest.builder("demo", "lee").role(Role.LISTENER)
                .ttl(Duration.ofHours(1)).build()));
        TokenRefresh.Term term = refresh.term(original, NOW);
        assertThat(term).isEqualTo(new TokenRefresh.Term(NOW.plusSeconds(3600), Duration.ofHours(1)));

        Grants speaker = Role.SPEAKER.defaultGrants();
        Participant promoted = new Participant("p_1", "lee", "Lee", Role.SPEAKER, speaker, "{\"seat\":3}");
        TokenRefresh.Fresh fresh = refresh.issue(original, promoted, term);
        JoinClaims claims = verifier.verify(fresh.token());
        assertThat(claims.keyId()).isEqualTo("app");
        assertThat(claims.room()).isEqualTo("demo");
        assertThat(claims.identity()).isEqualTo("lee");
        assertThat(claims.name()).isEqualTo("Lee");
        assertThat(claims.role()).isEqualTo(Role.SPEAKER);
        assertThat(claims.grants()).isEqualTo(speaker);
        assertThat(claims.metadata()).isEqualTo("{\"seat\":3}");
        assertThat(claims.issuedAt()).isEqualTo(NOW.plusSeconds(2400));
        assertThat(claims.expiresAt()).isEqualTo(fresh.term().expiresAt()).isEqualTo(NOW.plusSeconds(2400 + 3600));
        assertThat(fresh.toString()).doesNotContain(fresh.token());
    }

    @Test
    void aTokenOfAKeyTheNodeCannotSignWithIsNotRefreshed() throws Exception {
        TokenRefresh other = new TokenRefresh(Map.of("other", TokenIssuer.hmac("other", SECRET)), Clock.systemUTC());
        JoinClaims original = verifier.verify(APP.issue(TokenRequest.builder("demo", "lee").build()));
        assertThat(other.term(original, NOW)).isNull();
    }
}
