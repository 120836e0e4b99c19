package io.bifrost.bench.micro;

import io.bifrost.signaling.protocol.ClientMessage;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.protocol.ParticipantInfo;
import io.bifrost.signaling.protocol.ProtocolException;
import io.bifrost.signaling.protocol.ServerMessage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The frames every message crosses: a client's request decoded, the server's event encoded. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CodecBenchmark {
    /** A chat line of 100 characters, the payload size of the load scenarios. */
    private static final String TEXT = "x".repeat(100);

    private final Codec codec = new Codec();
    private final String chatFrame = "{\"type\":\"chat\",\"id\":\"c42\",\"text\":\"" + TEXT + "\"}";
    private final String offerFrame = "{\"type\":\"offer\",\"id\":\"o7\",\"to\":\"p_0b8n3c5v2zqe\",\"sdp\":\""
            + "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n".repeat(20) + "\"}";
    private final ServerMessage chat = new ServerMessage.Chat(1234, "p_7d2kq9x1m4ha", TEXT, 1_763_800_000_000L);
    private final ServerMessage joined = new ServerMessage.ParticipantJoined(1235,
            new ParticipantInfo("p_0b8n3c5v2zqe", "bob", "Bob", "listener", "", false, false, false));

    @Benchmark
    public ClientMessage decodeChat() throws ProtocolException {
        return codec.decodeClient(chatFrame);
    }

    @Benchmark
    public ClientMessage decodeOffer() throws ProtocolException {
        return codec.decodeClient(offerFrame);
    }

    @Benchmark
    public String encodeChat() {
        return codec.encode(chat);
    }

    @Benchmark
    public String encodeParticipantJoined() {
        return codec.encode(joined);
    }
}
