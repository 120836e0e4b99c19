package io.bifrost.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.signaling.protocol.ClientMessage;
import org.junit.jupiter.api.Test;

/** Each micro-benchmark does the work it claims to measure, so a refactoring cannot hollow one out. */
class MicroBenchmarksTest {

    @Test
    void theCodecBenchmarksDecodeAndEncodeRealFrames() throws Exception {
        CodecBenchmark codec = new CodecBenchmark();
        assertThat(codec.decodeChat()).isInstanceOf(ClientMessage.Chat.class);
        assertThat(codec.decodeOffer()).isInstanceOf(ClientMessage.Offer.class);
        assertThat(codec.encodeChat()).startsWith("{\"type\":\"chat\"").contains("x".repeat(100));
        assertThat(codec.encodeParticipantJoined()).contains("\"participant-joined\"");
    }

    @Test
    void everyTokenAlgorithmVerifies() throws Exception {
        for (String algorithm : new String[] {"HS256", "RS256", "ES256"}) {
            TokenBenchmark token = new TokenBenchmark();
            token.algorithm = algorithm;
            token.sign();
            assertThat(token.verify().identity()).as(algorithm).isEqualTo("alice");
        }
    }

    @Test
    void aPostReachesEveryMemberOfTheRoom() {
        FanoutBenchmark fanout = new FanoutBenchmark();
        fanout.members = 5;
        fanout.fillRoom();
        fanout.postToEveryone();
        fanout.postToEveryone();
        assertThat(fanout.delivered).isEqualTo(10);
        fanout.close();
    }
}
