package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/tokens.md shows how to mint a join token in Node.js and Python: the snippets, taken from
 * the page as they stand, run and print tokens that a real node admits with the documented claims.
 */
class TokenDocsIT {
    private static final Path DOC = Path.of(System.getProperty("bifrost.docs", "../docs"), "tokens.md");
    /** Where the test suite's npm packages (jose among them) are installed by ./scripts/test. */
    private static final Path NODE_PACKAGES = Path.of(System.getProperty("bifrost.browserHarness", "src/test/browser"));
    /** Debian's interpreter, where Debian's python3-jwt is installed. */
    private static final String PYTHON = "/usr/bin/python3";

    @Test
    void theNodeSnippetMintsATokenTheServerAdmits() throws Exception {
        String token = run(List.of("node", "--input-type=module", "-e", snippet("js")), NODE_PACKAGES);
        assertAdmitted(token);
    }

    @Test
    void thePythonSnippetMintsATokenTheServerAdmits() throws Exception {
        String token = run(List.of(PYTHON, "-c", snippet("python")), Path.of("."));
        assertAdmitted(token);
    }

    private static void assertAdmitted(String token) throws Exception {
        JoinClaims claims = TokenVerifier.builder()
                .hmacKey(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8)).build().verify(token);
        assertThat(claims.room()).isEqualTo("demo");
        assertThat(claims.identity()).isEqualTo("alice");
        assertThat(claims.name()).isEqualTo("Alice");
        assertThat(claims.role()).isEqualTo(Role.SPEAKER);
        assertThat(claims.metadata()).isEqualTo("{\"avatar\":\"a.png\"}");
        assertThat(claims.keyId()).isEqualTo(TestNode.KEY_ID);
        assertThat(claims.expiresAt().getEpochSecond() - claims.issuedAt().getEpochSecond()).isEqualTo(15 * 60);
        try (TestNode node = TestNode.start(); WsClient alice = WsClient.connect(node.rtc(token))) {
            assertThat(alice.awaitJoined().path("participant").path("name").asText()).isEqualTo("Alice");
        }
    }

    /** The one fenced block of this language in the page. */
    private static String snippet(String language) throws Exception {
        Matcher blocks = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        List<String> found = new ArrayList<>();
        while (blocks.find()) {
            found.add(blocks.group(1));
        }
        assertThat(found).as("```%s blocks in %s", language, DOC).hasSize(1);
        return found.get(0);
    }

    /** Runs the snippet with the test node's key in the environment; its output is the token. */
    private static String run(List<String> command, Path dir) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("BIFROST_KEY_ID", TestNode.KEY_ID);
        builder.environment().put("BIFROST_SECRET", TestNode.SECRET);
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command.get(0)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.exitValue()).as("%s: %s", command.get(0), output).isZero();
        return output;
    }
}
