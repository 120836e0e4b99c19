package io.bifrost.bench.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BifrostTargetTest {
    private final BifrostTarget target = BifrostTarget.hmac("k", "a-secret-of-at-least-thirty-two-bytes!!", "r");

    private Target.Inbound classify(String frame) {
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        return target.classify(bytes, 0, bytes.length, text -> {
            throw new AssertionError("Bifrost frames need no answer");
        });
    }

    @Test
    void framesAreKnownByTheirType() {
        assertThat(classify("{\"type\":\"joined\",\"protocol\":1}")).isEqualTo(Target.Inbound.JOINED);
        assertThat(classify("{\"type\":\"chat\",\"seq\":3,\"from\":\"p\",\"text\":\"t\",\"ts\":1}")).isEqualTo(Target.Inbound.CHAT);
        assertThat(classify("{\"type\":\"error\",\"code\":\"rate-limited\"}")).isEqualTo(Target.Inbound.ERROR);
        assertThat(classify("{\"type\":\"error\",\"code\":\"room-full\",\"message\":\"full\"}")).isEqualTo(Target.Inbound.REFUSED);
        assertThat(classify("{\"type\":\"ack\",\"id\":\"c\",\"seq\":3}")).isEqualTo(Target.Inbound.OTHER);
    }

    @Test
    void everyParticipantGetsItsOwnToken() {
        assertThat(target.upgradeTarget("a", true)).startsWith("/rtc?access_token=ey");
        assertThat(target.upgradeTarget("a", true)).isNotEqualTo(target.upgradeTarget("b", false));
    }
}
