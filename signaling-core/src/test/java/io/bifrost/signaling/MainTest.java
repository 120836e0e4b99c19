package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.DevKey;
import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenException;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.signaling.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private static final int USAGE = 2;
    private static final String SECRET_1 = "0123456789abcdef0123456789abcdef";
    private static final String SECRET_2 = "fedcba9876543210fedcba9876543210";

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- token with the development key

    @Test
    void tokenSignsWithTheDevKeyFileAndNamesTheRoomIdentityAndRole() throws Exception {
        Path keyFile = dir.resolve("keys").resolve("dev-key");
        Map<String, String> env = Map.of("BIFROST_AUTH_DEV_KEY_FILE", keyFile.toString());

        Result result = run(env, "token", "--room", "demo", "--identity", "alice", "--name", "Alice", "--role", "host");

        assertThat(result.status).as(result.err).isZero();
        assertThat(keyFile).as("the dev key is created on first use").exists();
        JoinClaims claims = devVerifier(keyFile).verify(result.token());
        assertThat(claims.room()).isEqualTo("demo");
        assertThat(claims.identity()).isEqualTo("alice");
        assertThat(claims.name()).isEqualTo("Alice");
        assertThat(claims.role()).isEqualTo(Role.HOST);
        assertThat(claims.keyId()).isEqualTo(DevKey.KEY_ID);
    }

    @Test
    void adminTokenGrantsWhatItIsAskedForSignedWithTheDevKey() throws Exception {
        Path keyFile = dir.resolve("dev-key");
        Map<String, String> env = Map.of("BIFROST_AUTH_DEV_KEY_FILE", keyFile.toString());

        Result all = run(env, "admin-token");
        Result one = run(env, "admin-token", "--grants", "roomList", "--room", "radio", "--ttl", "1m");
        Result bad = run(env, "admin-token", "--grants", "roomDelete");

        assertThat(all.status).as(all.err).isZero();
        AdminGrants grants = devVerifier(keyFile).verifyAdmin(all.token());
        assertThat(List.of(grants.roomCreate(), grants.roomList(), grants.roomAdmin())).containsOnly(true);
        assertThat(grants.room()).isNull();
        AdminGrants limited = devVerifier(keyFile).verifyAdmin(one.token());
        assertThat(List.of(limited.roomCreate(), limited.roomList(), limited.roomAdmin())).containsExactly(false, true, false);
        assertThat(limited.room()).isEqualTo("radio");
        assertThat(bad.status).isNotZero();
        assertThat(bad.err).contains("roomDelete");
    }

    @Test
    void tokenDefaultsToASpeakerForOneHour() throws Exception {
        Path keyFile = dir.resolve("dev-key");
        Instant before = Instant.now();

        Result result = run(Map.of("BIFROST_AUTH_DEV_KEY_FILE", keyFile.toString()),
                "token", "--room=demo", "--identity=bob");

        assertThat(result.status).as(result.err).isZero();
        JoinClaims claims = devVerifier(keyFile).verify(result.token());
        assertThat(claims.role()).isEqualTo(Role.SPEAKER);
        assertThat(claims.identity()).isEqualTo("bob");
        assertThat(Duration.between(before, claims.expiresAt()))
                .isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
    }

    @Test
    void aSecondTokenRunSignsWithTheSameDevKey() throws Exception {
        Path keyFile = dir.resolve("dev-key");
        Map<String, String> env = Map.of("BIFROST_AUTH_DEV_KEY_FILE", keyFile.toString());

        Result first = run(env, "token", "--room", "demo", "--identity", "alice");
        String keyAfterFirst = Files.readString(keyFile);
        Result second = run(env, "token", "--room", "demo", "--identity", "carol", "--role", "listener");

        assertThat(second.status).as(second.err).isZero();
        assertThat(Files.readString(keyFile)).isEqualTo(keyAfterFirst);
        TokenVerifier verifier = devVerifier(keyFile);
        assertThat(verifier.verify(first.token()).identity()).isEqualTo("alice");
        JoinClaims carol = verifier.verify(second.token());
        assertThat(carol.identity()).isEqualTo("carol");
        assertThat(carol.role()).isEqualTo(Role.LISTENER);
    }

    // ---------------------------------------------------------------- usage errors

    @Test
    void tokenWithoutRoomFailsWithAUsageErrorNamingRoom() {
        Result result = run(devEnv(), "token", "--identity", "alice");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.out).isEmpty();
        assertThat(result.err).contains("--room is required").contains("Usage:");
    }

    @Test
    void tokenWithAnUnknownOptionNamesTheOption() {
        Result result = run(devEnv(), "token", "--room", "demo", "--identity", "alice", "--colour", "red");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.out).isEmpty();
        assertThat(result.err).contains("unknown option --colour");
    }

    @Test
    void anOptionWithoutValueSaysItNeedsOne() {
        Result result = run(devEnv(), "token", "--identity", "alice", "--room");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.err).contains("--room needs a value");
    }

    @Test
    void anUnknownRoleNamesTheAllowedRoles() {
        Result result = run(devEnv(), "token", "--room", "demo", "--identity", "alice", "--role", "admin");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.err).contains("'admin'", "host, speaker, listener");
    }

    @Test
    void anUnknownCommandIsNamed() {
        Result result = run(devEnv(), "frobnicate");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.out).isEmpty();
        assertThat(result.err).contains("unknown command 'frobnicate'").contains("Usage:");
    }

    @Test
    void noArgumentsPrintsTheUsageAndFails() {
        Result result = run(devEnv());

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.out).contains("bifrost serve", "bifrost token", "bifrost config");
    }

    @Test
    void aConfigErrorFailsTheTokenCommandWithTheLoadersMessage() {
        Map<String, String> env = Map.of("BIFROST_AUTH_DEV_KEY_FILE", dir.resolve("dev-key").toString(),
                "BIFROST_LIMITS_PING_TIMOUT", "45s");

        Result result = run(env, "token", "--room", "demo", "--identity", "alice");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.out).isEmpty();
        assertThat(result.err).contains("BIFROST_LIMITS_PING_TIMOUT");
    }

    /*
     * A ttl that parses but is zero is a usage error, like --ttl abc, not a stack of exceptions.
     */
    @Test
    void aZeroTtlIsAUsageErrorLikeAnyOtherBadTtl() {
        Result result = run(devEnv(), "token", "--room", "demo", "--identity", "alice", "--ttl", "0s");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.err).contains("ttl").doesNotContain("java.lang.");
    }

    @Test
    void aTtlThatIsNotADurationIsAUsageError() {
        Result result = run(devEnv(), "token", "--room", "demo", "--identity", "alice", "--ttl", "soon");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.err).contains("'soon' is not a duration");
    }

    // ---------------------------------------------------------------- token with configured keys

    @Test
    void withTwoConfiguredHmacKeysTokenNeedsAKeyId() {
        Result result = run(twoKeys(), "token", "--room", "demo", "--identity", "alice");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.out).isEmpty();
        assertThat(result.err).contains("--key-id", "app1", "app2");
    }

    @Test
    void keyIdPicksTheConfiguredKeyToSignWith() throws Exception {
        Result result = run(twoKeys(), "token", "--room", "stage", "--identity", "dave", "--key-id", "app2");

        assertThat(result.status).as(result.err).isZero();
        TokenVerifier app2 = TokenVerifier.builder().hmacKey("app2", SECRET_2.getBytes(StandardCharsets.UTF_8)).build();
        JoinClaims claims = app2.verify(result.token());
        assertThat(claims.keyId()).isEqualTo("app2");
        assertThat(claims.room()).isEqualTo("stage");
        assertThat(claims.identity()).isEqualTo("dave");
        TokenVerifier app2KidWithApp1Secret =
                TokenVerifier.builder().hmacKey("app2", SECRET_1.getBytes(StandardCharsets.UTF_8)).build();
        assertThatThrownBy(() -> app2KidWithApp1Secret.verify(result.token())).isInstanceOf(TokenException.class);
    }

    @Test
    void withOneConfiguredHmacKeyTokenUsesItWithoutAKeyId() throws Exception {
        Result result = run(Map.of("BIFROST_AUTH_HMAC_KEYS", "app1=" + SECRET_1), "token", "--room", "demo", "--identity", "erin");

        assertThat(result.status).as(result.err).isZero();
        TokenVerifier app1 = TokenVerifier.builder().hmacKey("app1", SECRET_1.getBytes(StandardCharsets.UTF_8)).build();
        assertThat(app1.verify(result.token()).identity()).isEqualTo("erin");
    }

    @Test
    void anUnknownKeyIdNamesTheConfiguredOnes() {
        Result result = run(twoKeys(), "token", "--room", "demo", "--identity", "alice", "--key-id", "app3");

        assertThat(result.status).isEqualTo(USAGE);
        assertThat(result.err).contains("'app3'", "app1", "app2");
    }

    // ---------------------------------------------------------------- config

    @Test
    void configListsEveryKeyWithItsDefaultAndEnvironmentVariable() {
        Result result = run(Map.of(), "config");

        assertThat(result.status).as(result.err).isZero();
        Map<String, String> keys = ConfigLoader.describeDefaults();
        assertThat(result.out.lines()).hasSize(keys.size());
        for (String key : keys.keySet()) {
            assertThat(result.out).contains(key).contains(ConfigLoader.envName(key));
        }
        assertThat(result.out.lines().filter(l -> l.startsWith("server.port ")).findFirst())
                .hasValueSatisfying(line -> assertThat(line).contains("7800", "BIFROST_SERVER_PORT"));
    }

    // ---------------------------------------------------------------- helpers

    private Map<String, String> devEnv() {
        return Map.of("BIFROST_AUTH_DEV_KEY_FILE", dir.resolve("dev-key").toString());
    }

    private static Map<String, String> twoKeys() {
        return Map.of("BIFROST_AUTH_HMAC_KEYS", "app1=" + SECRET_1 + ",app2=" + SECRET_2);
    }

    private static TokenVerifier devVerifier(Path keyFile) throws Exception {
        DevKey key = DevKey.loadOrCreate(keyFile);
        return TokenVerifier.builder().hmacKey(key.keyId(), key.secret()).build();
    }

    private static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(args, env, o, e);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int status, String out, String err) {
        /** The printed token: one compact JWS on one line. */
        String token() {
            String token = out.strip();
            assertThat(token).as("stdout").matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
            return token;
        }
    }
}
