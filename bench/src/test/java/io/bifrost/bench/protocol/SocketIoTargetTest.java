package io.bifrost.bench.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SocketIoTargetTest {
    private final SocketIoTarget target = new SocketIoTarget("room-1");
    private final List<String> replies = new ArrayList<>();

    private Target.Inbound classify(String frame) {
        byte[] bytes = ("xx" + frame).getBytes(StandardCharsets.UTF_8);
        return target.classify(bytes, 2, bytes.length - 2,
                text -> replies.add(new String(text, StandardCharsets.UTF_8)));
    }

    @Test
    void theOpenPacketIsAnsweredWithAConnectNamingTheRoom() {
        assertThat(classify("0{\"sid\":\"a\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}"))
                .isEqualTo(Target.Inbound.OTHER);
        assertThat(replies).containsExactly("40{\"room\":\"room-1\"}");
        assertThat(classify("40{\"sid\":\"b\"}")).isEqualTo(Target.Inbound.JOINED);
    }

    @Test
    void pingsAreAnsweredAndChatsRecognised() {
        assertThat(classify("2")).isEqualTo(Target.Inbound.OTHER);
        assertThat(replies).containsExactly("3");
        assertThat(classify("42[\"chat\",{\"seq\":1,\"from\":\"x\",\"text\":\"bnch:\",\"ts\":1}]")).isEqualTo(Target.Inbound.CHAT);
        assertThat(classify("431[{\"seq\":1}]")).isEqualTo(Target.Inbound.OTHER);
        assertThat(classify("44{\"message\":\"no\"}")).isEqualTo(Target.Inbound.REFUSED);
    }
}
