package io.bifrost.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.signaling.testing.ClientFrames;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a client sends, the decoder either reads a request or refuses it with a
 * {@link ProtocolException} (which the session answers with an error): nothing else escapes.
 */
class CodecPropertiesTest {
    private final Codec codec = new Codec();

    @Property(tries = 2000)
    void anyFrameIsReadOrRefusedWithAProtocolError(@ForAll("anything") String frame) {
        try {
            ClientMessage message = codec.decodeClient(frame);
            assertThat(codec.decodeClient(codec.encode(message))).as("a request read is written back the same").isEqualTo(message);
        } catch (ProtocolException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 500)
    void theIdOfAnyFrameIsFoundWithoutThrowing(@ForAll("anything") String frame) {
        codec.peekId(frame);
    }

    @Provide
    Arbitrary<String> anything() {
        return ClientFrames.anything();
    }
}
