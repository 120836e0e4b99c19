package io.bifrost.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;

/**
 * Coverage-guided fuzzing of the frame decoder: whatever bytes a client sends as a text frame,
 * the decoder reads a request, which it writes back the same, or refuses it with a
 * {@link ProtocolException}; nothing else escapes. {@code ./scripts/fuzz} runs the fuzzer; the
 * test suite replays the committed corpus ({@code src/test/resources/.../CodecFuzzTestInputs}),
 * which keeps every input that once found something.
 */
class CodecFuzzTest {
    private final Codec codec = new Codec();

    @FuzzTest(maxDuration = "60s")
    void anyTextIsReadOrRefusedWithAProtocolError(@NotNull String frame) { // a websocket text frame is never null
        codec.peekId(frame);
        try {
            ClientMessage message = codec.decodeClient(frame);
            assertThat(codec.decodeClient(codec.encode(message))).isEqualTo(message);
        } catch (ProtocolException refused) {
            assertThat(refused.code()).isNotNull();
        }
    }
}
