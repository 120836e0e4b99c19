package io.bifrost.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadTest {

    @Test
    void aStampedPayloadIsReadBackFromInsideAFrame() {
        byte[] payload = Payload.template(42, 100);
        byte[] prefix = "{\"type\":\"chat\",\"seq\":7,\"from\":\"p_x\",\"text\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[prefix.length + payload.length + 2];
        System.arraycopy(prefix, 0, frame, 0, prefix.length);
        System.arraycopy(payload, 0, frame, prefix.length, payload.length);
        Payload.stamp(frame, prefix.length, 123_456, 9_876_543_210L);

        int at = Payload.find(frame, 0, frame.length);
        assertThat(at).isEqualTo(prefix.length);
        assertThat(Payload.publisher(frame, at)).isEqualTo(42);
        assertThat(Payload.seq(frame, at)).isEqualTo(123_456);
        assertThat(Payload.sentNanos(frame, at)).isEqualTo(9_876_543_210L);
        assertThat(payload).hasSize(100);
        assertThat(new String(frame, StandardCharsets.US_ASCII)).doesNotContain("\\");
    }

    @Test
    void aFrameWithoutPayloadOrWithAMangledOneIsNotRead() {
        byte[] frame = "{\"type\":\"chat\",\"text\":\"bnch:hello\"}".getBytes(StandardCharsets.US_ASCII);
        assertThat(Payload.find(frame, 0, frame.length)).isEqualTo(-1);

        byte[] mangled = Payload.template(1, 60);
        mangled[Payload.SEQ_AT + 3] = 'z';
        assertThat(Payload.seq(mangled, Payload.find(mangled, 0, mangled.length))).isEqualTo(-1);
    }

    @Test
    void aPayloadTooSmallForItsFieldsIsRefused() {
        assertThatThrownBy(() -> Payload.template(0, Payload.MIN_BYTES - 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
