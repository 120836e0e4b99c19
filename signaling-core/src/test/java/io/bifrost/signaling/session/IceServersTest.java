package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.signaling.protocol.IceServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class IceServersTest {
    private static final Clock NOW = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);
    private static final List<String> URLS = List.of("stun:stun.example.org:3478",
            "turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349");

    @Test
    void turnCredentialsFollowCoturnsSharedSecretScheme() {
        IceServers servers = new IceServers(URLS, "north-gate-turn-secret", Duration.ofHours(6), NOW);

        List<IceServer> list = servers.forParticipant("p_0123456789ab");

        assertThat(list).hasSize(2);
        assertThat(list.get(0)).isEqualTo(IceServer.of(List.of("stun:stun.example.org:3478")));
        IceServer turn = list.get(1);
        assertThat(turn.urls()).containsExactly("turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349");
        // The expiry (now + 6 h, in Unix seconds), a colon, the participant id.
        assertThat(turn.username()).isEqualTo("1700021600:p_0123456789ab");
        // echo -n "1700021600:p_0123456789ab" | openssl dgst -sha1 -hmac north-gate-turn-secret -binary | base64
        assertThat(turn.credential()).isEqualTo("2AvgOjFbNSogUUJVnsbrfSQPMZY=");
    }

    @Test
    void everyParticipantGetsCredentialsOfItsOwn() {
        IceServers servers = new IceServers(URLS, "north-gate-turn-secret", Duration.ofHours(6), NOW);

        IceServer alice = servers.forParticipant("p_aaaaaaaaaaaa").get(1);
        IceServer bob = servers.forParticipant("p_bbbbbbbbbbbb").get(1);

        assertThat(alice.username()).isNotEqualTo(bob.username());
        assertThat(alice.credential()).isNotEqualTo(bob.credential());
    }

    @Test
    void withoutASecretTheUrlsGoOutAsConfigured() {
        IceServers servers = new IceServers(URLS, "", Duration.ofHours(6), NOW);

        assertThat(servers.forParticipant("p_0123456789ab")).containsExactly(
                IceServer.of(List.of("stun:stun.example.org:3478")),
                IceServer.of(List.of("turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349")));
    }

    @Test
    void noUrlsNoServers() {
        assertThat(new IceServers(List.of(), "", Duration.ofHours(6), NOW).forParticipant("p_0123456789ab")).isEmpty();
    }
}
