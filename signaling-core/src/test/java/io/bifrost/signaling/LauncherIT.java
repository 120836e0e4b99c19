package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.signaling.testing.WsClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server as a user runs it: {@code serve} with no configuration prints a working
 * token, and a later {@code token} command signs with the key the running server accepts.
 */
@Timeout(90)
class LauncherIT {
    private static final Pattern PORT = Pattern.compile("running on http://localhost:(\\d+)");
    private static final Pattern JWT = Pattern.compile("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$");

    @Test
    void serveThenTokenLetsAPlainWebsocketClientJoin(@TempDir Path home) throws Exception {
        Path jar = Path.of("target/bifrost-server.jar").toAbsolutePath();
        assertThat(jar).as("the server jar is built in the package phase").exists();
        Process server = command(home, jar, "serve", "--port", "0").redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            int port = -1;
            String printedToken = null;
            List<String> banner = new ArrayList<>();
            for (String line; (line = out.readLine()) != null && (port < 0 || printedToken == null); ) {
                banner.add(line);
                Matcher m = PORT.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
                if (JWT.matcher(line.trim()).matches()) {
                    printedToken = line.trim();
                }
            }
            assertThat(port).as("banner: %s", banner).isPositive();
            assertThat(printedToken).as("banner: %s", banner).isNotNull();
            assertThat(banner).anyMatch(line -> line.contains("/?room=demo"));
            assertThat(Files.exists(home.resolve(".bifrost/dev-key"))).isTrue();

            try (WsClient host = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/rtc?access_token=" + printedToken))) {
                assertThat(host.awaitJoined().path("participant").path("identity").asText()).isEqualTo("dev-user");

                Process token = command(home, jar, "token", "--room", "demo", "--identity", "alice", "--role", "listener").start();
                assertThat(token.waitFor(30, TimeUnit.SECONDS)).isTrue();
                String minted = new String(token.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                assertThat(token.exitValue()).as(new String(token.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
                assertThat(minted).matches(JWT);

                try (WsClient alice = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/rtc?access_token=" + minted))) {
                    assertThat(alice.awaitJoined().path("participant").path("role").asText()).isEqualTo("listener");
                    assertThat(host.expect("participant-joined").path("participant").path("identity").asText()).isEqualTo("alice");
                }
            }
        } finally {
            server.destroy(); // SIGTERM: the node drains and exits
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        assertThat(server.exitValue()).as("exit status after SIGTERM").isIn(0, 143);
    }

    private static ProcessBuilder command(Path home, Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("BIFROST_"));
        return builder;
    }
}
