package io.bifrost.signaling.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the shared protocol vectors in {@code docs/protocol/vectors} (see the end of
 * {@code docs/protocol.md}) through the server's codec, plus focused codec checks.
 */
class CodecVectorsTest {
    /** Set by the signaling-core POM for surefire; the fallback works from the module directory. */
    private static final String VECTORS_PROPERTY = "bifrost.vectors";
    private static final String DEFAULT_VECTORS = "../docs/protocol/vectors";

    /** Every wire type of protocol v1, by direction; a type without a vector fails {@link #everyMessageTypeHasAVector}. */
    private static final Set<String> CLIENT_TYPES = Set.of("offer", "answer", "candidate", "chat", "ping", "leave",
            "raise-hand", "lower-hand", "promote", "demote", "mute", "unpublish");
    private static final Set<String> SERVER_TYPES = Set.of("joined", "resumed", "participant-joined", "participant-left",
            "participant-updated", "offer", "answer", "candidate", "chat", "ack", "pong", "error", "disconnect", "sfu-reset", "token");

    /** A plain mapper to read vector files and compare JSON trees; independent of the codec under test. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Codec codec = new Codec();

    // ---------------------------------------------------------------- the shared vectors

    @TestFactory
    Stream<DynamicTest> everyVectorDecodesAndEncodesBackOrFailsAsSpecified() {
        List<Path> files = vectorFiles();
        assertThat(files).as("vector files in %s", vectorsDir().toAbsolutePath()).isNotEmpty();
        return files.stream().map(file -> dynamicTest(file.getFileName().toString(), () -> runVector(file)));
    }

    @Test
    void everyMessageTypeHasAVector() throws Exception {
        Set<String> clientTypes = new TreeSet<>();
        Set<String> serverTypes = new TreeSet<>();
        Set<Class<?>> decodedClasses = new HashSet<>();
        for (Path file : vectorFiles()) {
            JsonNode vector = read(file);
            if (isInvalid(file)) {
                continue;
            }
            String type = vector.path("message").path("type").asText();
            String text = JSON.writeValueAsString(vector.get("message"));
            if (direction(vector).equals("client")) {
                clientTypes.add(type);
                decodedClasses.add(codec.decodeClient(text).getClass());
            } else {
                serverTypes.add(type);
                decodedClasses.add(codec.decodeServer(text).getClass());
            }
        }
        assertThat(clientTypes).as("client message types with a vector").containsAll(CLIENT_TYPES);
        assertThat(serverTypes).as("server message types with a vector").containsAll(SERVER_TYPES);
        // A message record added to the protocol without a vector fails here, whatever its wire type.
        assertThat(decodedClasses).as("message records with a vector")
                .containsAll(leafRecords(ClientMessage.class))
                .containsAll(leafRecords(ServerMessage.class));
    }

    @Test
    void theVectorsCoverEveryInvalidCaseTheProtocolNames() {
        Set<String> names = vectorFiles().stream().map(f -> f.getFileName().toString()).collect(Collectors.toSet());
        assertThat(names).contains("invalid-malformed-json.json", "invalid-not-an-object.json",
                "invalid-unknown-type.json", "invalid-offer-missing-to.json", "invalid-candidate-missing.json",
                "invalid-chat-empty-text.json", "invalid-chat-text-too-long.json", "invalid-id-number.json",
                "invalid-id-too-long.json");
    }

    private void runVector(Path file) throws Exception {
        JsonNode vector = read(file);
        String name = file.getFileName().toString();
        assertThat(vector.path("description").asText()).as("%s: description", name).isNotBlank();
        String direction = direction(vector);
        if (isInvalid(file)) {
            assertThat(direction).as("%s: invalid vectors are client frames", name).isEqualTo("client");
            runInvalid(name, vector);
            return;
        }
        assertThat(name).as("file name starts with its direction").startsWith(direction + "-");
        JsonNode message = vector.get("message");
        assertThat(message).as("%s: message", name).isNotNull();
        assertThat(message.isObject()).as("%s: message is an object", name).isTrue();
        String text = JSON.writeValueAsString(message);
        String encoded;
        if (direction.equals("client")) {
            ClientMessage decoded = codec.decodeClient(text);
            assertThat(decoded.type()).isEqualTo(message.get("type").asText());
            encoded = codec.encode(decoded);
        } else {
            ServerMessage decoded = codec.decodeServer(text);
            assertThat(decoded.type()).isEqualTo(message.get("type").asText());
            encoded = codec.encode(decoded);
        }
        assertThat(JSON.readTree(encoded)).as("%s: encoded back", name).isEqualTo(message);
    }

    private void runInvalid(String name, JsonNode vector) {
        JsonNode raw = vector.get("raw");
        JsonNode error = vector.get("error");
        assertThat(raw).as("%s: raw", name).isNotNull();
        assertThat(raw.isTextual()).as("%s: raw is a string", name).isTrue();
        assertThat(error).as("%s: error", name).isNotNull();
        ProtocolException thrown = catchThrowableOfType(ProtocolException.class, () -> codec.decodeClient(raw.textValue()));
        assertThat(thrown).as("%s: decoding must fail with a ProtocolException", name).isNotNull();
        assertThat(thrown.code().wireName()).as("%s: code (%s)", name, thrown.getMessage())
                .isEqualTo(error.path("code").asText());
        String expectedId = error.hasNonNull("id") ? error.get("id").asText() : null;
        assertThat(thrown.requestId()).as("%s: request id (%s)", name, thrown.getMessage()).isEqualTo(expectedId);
        assertThat(thrown.getMessage()).as("%s: message for people", name).isNotBlank();
    }

    // ---------------------------------------------------------------- focused codec checks

    @Test
    void peekIdFindsTheIdOfAFrameFarLargerThanTheMessageLimit() {
        String sdp = "v=0\\r\\n" + "a=x-filler:0123456789abcdef\\r\\n".repeat(40 * 1024); // over 1 MiB, JSON-escaped
        String idFirst = "{\"type\":\"offer\",\"id\":\"o9\",\"to\":\"p_0b8n3c5v2zrt\",\"sdp\":\"" + sdp + "\"}";
        String idLast = "{\"type\":\"offer\",\"to\":\"p_0b8n3c5v2zrt\",\"sdp\":\"" + sdp
                + "\",\"candidate\":{\"nested\":[1,2,{\"id\":\"inner\"}]},\"id\":\"o10\"}";

        assertThat(idFirst.length()).isGreaterThan(1024 * 1024);
        assertThat(codec.peekId(idFirst)).isEqualTo("o9");
        assertThat(codec.peekId(idLast)).as("the top-level id, not one nested before it").isEqualTo("o10");
    }

    @Test
    void peekIdGivesNullWhenThereIsNoUsableId() {
        assertThat(codec.peekId("{\"type\":\"ping\"}")).isNull();
        assertThat(codec.peekId("{\"type\":\"ping\",\"id\":17}")).isNull();
        assertThat(codec.peekId("{\"type\":\"ping\",\"id\":\"\"}")).isNull();
        assertThat(codec.peekId("{\"type\":\"ping\",\"id\":\"" + "k".repeat(65) + "\"}")).isNull();
        assertThat(codec.peekId("[{\"id\":\"k1\"}]")).isNull();
        assertThat(codec.peekId("not json")).isNull();
        assertThat(codec.peekId("")).isNull();
    }

    @Test
    void peekIdReadsTheIdOfAFrameCutOffAfterIt() {
        assertThat(codec.peekId("{\"id\":\"k1\",\"type\":\"chat\",\"text\":\"unterminat")).isEqualTo("k1");
    }

    @Test
    void anUnknownTypeIsEchoedAbbreviatedWhateverItsSize() {
        String hugeType = "x".repeat(200_000);
        String frame = "{\"type\":\"" + hugeType + "\",\"id\":\"u9\"}";

        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> codec.decodeClient(frame));

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.requestId()).isEqualTo("u9");
        assertThat(e.getMessage()).startsWith("unknown message type").doesNotContain("x".repeat(41));
        assertThat(e.getMessage().length()).isLessThan(100);
        String encoded = codec.encode(new ServerMessage.Error(e.requestId(), e.code(), e.getMessage()));
        assertThat(encoded.length()).as("the error frame").isLessThan(200);
    }

    @Test
    void aServerMessageOfUnknownTypeIsEchoedAbbreviated() {
        String frame = "{\"type\":\"" + "y".repeat(100_000) + "\"}";

        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> codec.decodeServer(frame));

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.getMessage()).doesNotContain("y".repeat(41)).hasSizeLessThan(100);
    }

    /*
     * Shortening an echoed type must not cut a surrogate pair (an emoji) in half: a lone
     * surrogate is not valid Unicode and would be mangled when the error frame is UTF-8 encoded.
     */
    @Test
    void abbreviatingAnUnknownTypeNeverSplitsACharacter() {
        String type = "a".repeat(31) + "\uD83D\uDE00".repeat(20); // 31 letters, then 20 emoji
        String frame = "{\"type\":\"" + type + "\",\"id\":\"u10\"}";

        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> codec.decodeClient(frame));

        assertThat(e.getMessage()).startsWith("unknown message type");
        assertThat(hasLoneSurrogate(e.getMessage())).as("lone surrogate in %s", e.getMessage()).isFalse();
    }

    @Test
    void nestingDeeperThanTheLimitIsABadRequestThatKeepsTheId() {
        String deep = "[".repeat(500) + "]".repeat(500);
        String frame = "{\"type\":\"candidate\",\"id\":\"i9\",\"to\":\"p_0b8n3c5v2zrt\",\"candidate\":"
                + "{\"candidate\":\"candidate:1 1 udp 1 10.0.0.1 9 typ host\",\"extra\":" + deep + "}}";

        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> codec.decodeClient(frame));

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.requestId()).isEqualTo("i9");
        assertThat(e.getMessage()).startsWith("malformed JSON");
    }

    @Test
    void aDeeplyNestedServerFrameIsABadRequestToo() {
        String frame = "{\"type\":\"candidate\",\"from\":\"p_7d2kq9x1m4vh\",\"candidate\":" + "{\"a\":".repeat(100)
                + "1" + "}".repeat(100) + "}";

        assertThatThrownBy(() -> codec.decodeServer(frame))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    @Test
    void aCandidateWithAFewNestedLevelsIsWellWithinTheLimit() throws Exception {
        String frame = "{\"type\":\"candidate\",\"id\":\"i8\",\"to\":\"p_0b8n3c5v2zrt\",\"candidate\":"
                + "{\"candidate\":\"candidate:1 1 udp 1 10.0.0.1 9 typ host\",\"sdpMid\":\"0\","
                + "\"x-vendor\":{\"a\":{\"b\":[{\"c\":[1]}]}}}}";

        ClientMessage.Candidate candidate = (ClientMessage.Candidate) codec.decodeClient(frame);

        assertThat(JSON.readTree(candidate.candidate()).at("/x-vendor/a/b/0/c/0").asInt()).isEqualTo(1);
    }

    @Test
    void chatTextOfExactlyTheLimitIsAccepted() throws Exception {
        String text = "z".repeat(Codec.MAX_CHAT_LENGTH);

        ClientMessage message = codec.decodeClient("{\"type\":\"chat\",\"id\":\"c9\",\"text\":\"" + text + "\"}");

        assertThat(message).isEqualTo(new ClientMessage.Chat("c9", text));
    }

    @Test
    void unknownFieldsAreIgnoredSoNewerClientsCanTalkToOlderServers() throws Exception {
        ClientMessage message = codec.decodeClient("{\"type\":\"ping\",\"id\":\"k2\",\"sentAt\":1795338000000,\"x\":{\"y\":[]}}");

        assertThat(message).isEqualTo(new ClientMessage.Ping("k2"));
    }

    @Test
    void aRequestWithoutIdDecodesWithANullId() throws Exception {
        assertThat(codec.decodeClient("{\"type\":\"leave\"}")).isEqualTo(new ClientMessage.Leave(null));
        assertThat(codec.encode(new ClientMessage.Leave(null))).isEqualTo("{\"type\":\"leave\"}");
    }

    /*
     * One message per frame: a frame holding two messages is refused, rather than accepted as
     * the first one with the second silently dropped (the client would never hear about "l1").
     */
    @Test
    void aFrameHoldingTwoMessagesIsABadRequest() {
        String frame = "{\"type\":\"ping\",\"id\":\"k3\"}{\"type\":\"leave\",\"id\":\"l1\"}";

        assertThatThrownBy(() -> codec.decodeClient(frame))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));
    }

    /*
     * An error code this codec does not know (a newer server's) is a ProtocolException like any
     * other frame it cannot accept.
     */
    @Test
    void aServerErrorWithAnUnknownCodeFailsAsAProtocolError() {
        String frame = "{\"type\":\"error\",\"id\":\"o4\",\"code\":\"teapot\",\"message\":\"short and stout\"}";

        assertThatThrownBy(() -> codec.decodeServer(frame)).isInstanceOf(ProtocolException.class);
    }

    // ---------------------------------------------------------------- helpers

    private static Path vectorsDir() {
        String configured = System.getProperty(VECTORS_PROPERTY);
        return Path.of(configured == null || configured.isBlank() ? DEFAULT_VECTORS : configured);
    }

    private static List<Path> vectorFiles() {
        Path dir = vectorsDir();
        if (!Files.isDirectory(dir)) {
            fail("no vector folder at " + dir.toAbsolutePath() + " (system property " + VECTORS_PROPERTY + ")");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    private static boolean isInvalid(Path file) {
        return file.getFileName().toString().startsWith("invalid-");
    }

    private static String direction(JsonNode vector) {
        String direction = vector.path("direction").asText();
        assertThat(direction).as("direction").isIn("client", "server");
        return direction;
    }

    /** The records of a sealed message hierarchy, through nested sealed interfaces. */
    private static List<Class<?>> leafRecords(Class<?> sealed) {
        List<Class<?>> leaves = new ArrayList<>();
        for (Class<?> sub : sealed.getPermittedSubclasses()) {
            if (sub.isSealed()) {
                leaves.addAll(leafRecords(sub));
            } else {
                leaves.add(sub);
            }
        }
        return leaves;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
