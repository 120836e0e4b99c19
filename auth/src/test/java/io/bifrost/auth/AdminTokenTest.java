package io.bifrost.auth;

import static io.bifrost.auth.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminTokenTest {

    private final TokenVerifier verifier = TestTokens.verifier().build();

    @Test
    void anAdminTokenVerifiesToTheGrantsItWasIssuedWith() throws Exception {
        String token = TestTokens.hmacIssuer().issueAdmin(AdminGrants.of(true, false, true), Duration.ofMinutes(10));

        AdminGrants grants = verifier.verifyAdmin(token);

        assertThat(grants.roomCreate()).isTrue();
        assertThat(grants.roomList()).isFalse();
        assertThat(grants.roomAdmin()).isTrue();
        assertThat(grants.room()).isNull();
        assertThat(grants.covers("any")).isTrue();
        assertThat(grants.keyId()).isEqualTo(TestTokens.HMAC_KID);
        assertThat(grants.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
        assertThat(SignedJWT.parse(token).getPayload().toJSONObject().get("grants"))
                .isEqualTo(Map.of("roomCreate", true, "roomList", false, "roomAdmin", true));
    }

    @Test
    void aRoomClaimLimitsTheTokenToThatRoom() throws Exception {
        String token = TestTokens.hmacIssuer().issueAdmin(AdminGrants.of(false, false, true).forRoom("radio"),
                Duration.ofMinutes(10));

        AdminGrants grants = verifier.verifyAdmin(token);

        assertThat(grants.room()).isEqualTo("radio");
        assertThat(grants.covers("radio")).isTrue();
        assertThat(grants.covers("other")).isFalse();
    }

    @Test
    void aHostsJoinTokenIsAnAdminTokenForItsOwnRoomOnly() throws Exception {
        String host = TestTokens.hmacIssuer().issue(TokenRequest.builder("demo", "alice").role(Role.HOST).build());

        AdminGrants grants = verifier.verifyAdmin(host);

        assertThat(grants.roomAdmin()).isTrue();
        assertThat(grants.roomCreate()).isFalse();
        assertThat(grants.roomList()).isFalse();
        assertThat(grants.room()).isEqualTo("demo");
        assertThat(grants.subject()).isEqualTo("alice");
    }

    @Test
    void aListenersJoinTokenIsNoAdminToken() {
        String listener = TestTokens.hmacIssuer().issue(TokenRequest.builder("demo", "bob").build());

        assertThatThrownBy(() -> verifier.verifyAdmin(listener))
                .isInstanceOfSatisfying(TokenException.class,
                        e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.INVALID_CLAIMS))
                .hasMessageContaining("no admin token");
    }

    @Test
    void anExpiredOrForgedAdminTokenIsRefusedAsAJoinTokenWouldBe() {
        String old = TestTokens.hmacIssuer().withClock(Clock.fixed(NOW.minus(Duration.ofHours(2)), ZoneOffset.UTC))
                .issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(10));
        String forged = TokenIssuer.hmac(TestTokens.HMAC_KID, "another-secret-of-at-least-32-bytes!".getBytes())
                .issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(10));

        assertThatThrownBy(() -> verifier.verifyAdmin(old))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.EXPIRED));
        assertThatThrownBy(() -> verifier.verifyAdmin(forged))
                .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.reason()).isEqualTo(TokenException.Reason.BAD_SIGNATURE));
    }

    @Test
    void anAdminTokenThatAllowsNothingIsNotIssued() {
        assertThatThrownBy(() -> TestTokens.hmacIssuer().issueAdmin(AdminGrants.of(false, false, false), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
