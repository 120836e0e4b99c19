package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.signaling.testing.DocSnippets;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/tokens.md shows how to mint a join token in Node.js and Python: the snippets, taken from
 * the page as they stand, run and print tokens that a real node admits with the documented claims.
 */
class TokenDocsIT {
    private static final String PAGE = "tokens.md";
    /** The test node's key, as a backend's environment would hold it. */
    private static final Map<String, String> KEY = Map.of("BIFROST_KEY_ID", TestNode.KEY_ID, "BIFROST_SECRET", TestNode.SECRET);

    @Test
    void theNodeSnippetMintsATokenTheServerAdmits() throws Exception {
        String token = token(DocSnippets.node(DocSnippets.snippet(PAGE, "js"), KEY));
        assertAdmitted(token);
    }

    @Test
    void thePythonSnippetMintsATokenTheServerAdmits() throws Exception {
        String token = token(DocSnippets.python(DocSnippets.snippet(PAGE, "python"), KEY));
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

    /** What a snippet that ran cleanly printed: the token. */
    private static String token(DocSnippets.Outcome outcome) {
        assertThat(outcome.exitCode()).as("snippet: %s", outcome.output()).isZero();
        return outcome.output();
    }
}
