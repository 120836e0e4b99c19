package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.testing.NodeProcess;
import io.bifrost.signaling.testing.ProcessMemory;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A join token is checked at the upgrade and then let go: a node holding joined connections,
 * one of them resumed, keeps none of their tokens' signatures in its heap, so a heap dump taken
 * to debug a node hands nobody a way in, and no connection pays for its token's bytes for as
 * long as it lives.
 */
@Timeout(120)
class TokensStayOutOfMemoryIT {
    private static final String ROOM = "memory-room";
    private static final TokenIssuer ISSUER = TokenIssuer.hmac(TestNode.KEY_ID, TestNode.SECRET.getBytes(StandardCharsets.UTF_8));

    @Test
    void aNodeHoldingJoinedConnectionsHoldsNoneOfTheirTokens(@TempDir Path dir) throws Exception {
        String alicesToken = ISSUER.issue(TokenRequest.builder(ROOM, "alice").build());
        String bobsToken = ISSUER.issue(TokenRequest.builder(ROOM, "bob").build());
        String bobsSecondToken = ISSUER.issue(TokenRequest.builder(ROOM, "bob").build());
        try (NodeProcess node = NodeProcess.start(Map.of());
             WsClient alice = WsClient.connect(rtc(node, alicesToken, ""))) {
            alice.awaitJoined();
            WsClient bob = WsClient.connect(rtc(node, bobsToken, ""));
            bob.awaitJoined();
            long seq = alice.expect("participant-joined").path("seq").asLong();
            String session = bob.sessionId();
            bob.close();
            try (WsClient back = WsClient.connect(rtc(node, bobsSecondToken, "&session=" + session + "&lastSeq=" + seq))) {
                back.awaitResumed();
                Path dump = dir.resolve("node.hprof");
                ProcessMemory.dumpHeap(node.pid(), dump);
                byte[] heap = Files.readAllBytes(dump);
                assertThat(heap.length).as("the heap dump's size").isGreaterThan(1_000_000);
                for (String token : new String[] {alicesToken, bobsToken, bobsSecondToken}) {
                    assertThat(indexOf(heap, signature(token))).as("where the heap holds a token's signature").isEqualTo(-1);
                }
            }
        }
    }

    private static URI rtc(NodeProcess node, String token, String more) {
        return URI.create("ws://127.0.0.1:" + node.port() + "/rtc?access_token=" + token + more);
    }

    private static byte[] signature(String token) {
        return token.substring(token.lastIndexOf('.') + 1).getBytes(StandardCharsets.US_ASCII);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
