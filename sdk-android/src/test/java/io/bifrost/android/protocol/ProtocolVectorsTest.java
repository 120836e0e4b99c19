package io.bifrost.android.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/**
 * The shared protocol vectors in {@code docs/protocol/vectors}, which the server and the JS SDK
 * run too: every server frame reads, and every client frame this SDK writes is written exactly
 * as the vector shows. (The invalid vectors are frames the server refuses; this SDK never writes them.)
 */
class ProtocolVectorsTest {

    private static List<Path> vectors(String direction) throws IOException {
        Path dir = Path.of(System.getProperty("bifrost.vectors", "../docs/protocol/vectors"));
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(direction + "-")).sorted().collect(Collectors.toList());
        }
    }

    private static JSONObject message(Path vector) throws IOException {
        return new JSONObject(Files.readString(vector)).getJSONObject("message");
    }

    @Test
    void everyServerFrameReads() throws Exception {
        List<Path> files = vectors("server");
        assertThat(files).hasSizeGreaterThan(20);
        for (Path vector : files) {
            JSONObject expected = message(vector);
            JSONObject read = Frames.decodeServer(expected.toString());
            assertThat(read.getString("type")).as("%s", vector.getFileName()).isEqualTo(expected.getString("type"));
        }
    }

    @Test
    void everyClientFrameIsWrittenAsTheVectorShowsIt() throws Exception {
        List<Path> files = vectors("client");
        assertThat(files).hasSizeGreaterThan(15);
        for (Path vector : files) {
            JSONObject expected = message(vector);
            JSONObject written = write(expected);
            assertThat(written.similar(expected)).as("%s: wrote %s, the vector is %s", vector.getFileName(), written, expected)
                    .isTrue();
        }
    }

    @Test
    void aFrameOfUnknownTypeOrMissingAFieldIsRefused() {
        assertThat(refusal("{\"type\":\"teleport\"}")).contains("unknown");
        assertThat(refusal("{\"type\":\"chat\",\"seq\":1,\"from\":\"p_a\",\"ts\":1}")).contains("text");
        assertThat(refusal("[1]")).contains("JSON object");
    }

    private static String refusal(String text) {
        try {
            Frames.decodeServer(text);
            return "accepted";
        } catch (ProtocolException e) {
            return e.getMessage();
        }
    }

    /** The same frame, built through the SDK's writer from the vector's values. */
    private static JSONObject write(JSONObject v) {
        String id = v.optString("id", null);
        String type = v.getString("type");
        switch (type) {
            case "chat":
                return Frames.chat(id, v.getString("text"));
            case "promote":
            case "demote":
                return Frames.aboutParticipant(type, id, v.getString("participantId"));
            case "mute":
                return Frames.mute(id, v.getString("participantId"), v.getBoolean("muted"));
            case "offer":
            case "answer":
                return Frames.description(type, id, v.getString("to"), v.getString("sdp"));
            case "candidate":
                return Frames.candidate(id, v.getString("to"), v.optJSONObject("candidate"), v.optString("target", null));
            default:
                return Frames.request(type, id);
        }
    }
}
