package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.bifrost.auth.Role;
import io.bifrost.rooms.testing.RedisFixture;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.WsClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node process killed with SIGKILL: the others notice within 5 s and its participants leave everywhere. */
@Timeout(120)
class NodeFailureIT {
    private static final Pattern PORT = Pattern.compile("running on http://[^:]+:(\\d+)");
    /** The promise to operators: a dead node's participants are gone within this. */
    private static final long DETECTION_LIMIT_MILLIS = 5000;

    @Test
    void theParticipantsOfAKilledNodeLeaveWithNodeFailureWithinFiveSeconds() throws Exception {
        try (RedisFixture redis = RedisFixture.start();
             TestNode survivor = TestNode.start(Map.of("redis.url", redis.url()));
             TestNode witness = TestNode.start(Map.of("redis.url", redis.url()))) {
            Process doomed = startNodeProcess(redis.url());
            try {
                int port = awaitPort(doomed);
                String token = survivor.token("doomed-room", "alice", Role.SPEAKER);
                try (WsClient alice = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/rtc?access_token="
                        + URLEncoder.encode(token, StandardCharsets.UTF_8)));
                     WsClient bob = survivor.join("doomed-room", "bob");
                     WsClient carol = witness.join("doomed-room", "carol")) {
                    alice.awaitJoined();
                    bob.expect("participant-joined");
                    Thread.sleep(1500); // the doomed node has beaten a few times

                    long killedAt = System.nanoTime();
                    doomed.destroyForcibly(); // SIGKILL: no drain, no goodbye
                    JsonNode left = bob.expect("participant-left");
                    long detectedMillis = (System.nanoTime() - killedAt) / 1_000_000;
                    assertThat(left.path("participantId").asText()).isEqualTo(alice.id());
                    assertThat(left.path("reason").asText()).isEqualTo("node-failure");
                    assertThat(detectedMillis).as("time from SIGKILL to participant-left").isLessThan(DETECTION_LIMIT_MILLIS);
                    JsonNode seenByCarol = carol.expect("participant-left");
                    assertThat(seenByCarol.path("participantId").asText()).isEqualTo(alice.id());
                    assertThat(seenByCarol.path("seq").asLong()).isEqualTo(left.path("seq").asLong());
                }
            } finally {
                doomed.destroyForcibly();
                doomed.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private static Process startNodeProcess(String redisUrl) throws Exception {
        Path jar = Path.of("target/bifrost-server.jar").toAbsolutePath();
        assertThat(jar).as("the server jar is built in the package phase").exists();
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "serve", "--port", "0"));
        builder.environment().keySet().removeIf(name -> name.startsWith("BIFROST_"));
        builder.environment().put("BIFROST_REDIS_URL", redisUrl);
        builder.environment().put("BIFROST_SERVER_HOST", "127.0.0.1");
        builder.environment().put("BIFROST_AUTH_HMAC_KEYS", TestNode.KEY_ID + "=" + TestNode.SECRET);
        return builder.redirectErrorStream(true).start();
    }

    private static int awaitPort(Process node) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            lines.add(line);
            Matcher m = PORT.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> out.lines().forEach(ignored -> { }), "doomed-node-output");
                drain.setDaemon(true);
                drain.start(); // keep reading, so the node never blocks on a full pipe
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the node printed no port: " + lines);
    }
}
