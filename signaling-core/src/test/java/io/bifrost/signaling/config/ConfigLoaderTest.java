package io.bifrost.signaling.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    /** 32 bytes: the shortest secret HS256 accepts. */
    private static final String SECRET_A = "0123456789abcdef0123456789abcdef";
    private static final String SECRET_B = "fedcba9876543210fedcba9876543210";

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- sources and precedence

    @Test
    void withNoFileAndNoBifrostVariablesTheDefaultsApply() throws Exception {
        Map<String, String> env = Map.of("PATH", "/usr/bin", "HOME", "/home/someone", "JAVA_HOME", "/opt/jdk");

        BifrostConfig config = ConfigLoader.load(null, env, Map.of());

        assertThat(config).isEqualTo(defaultsAsLoaded());
        assertThat(config.server().port()).isEqualTo(7800);
        assertThat(config.limits().pingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.limits().pingTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.auth().developmentMode()).isTrue();
    }

    @Test
    void aYamlFileOverridesTheKeysItNamesAndLeavesTheOthersAtTheirDefaults() throws Exception {
        Path file = yaml("server:\n"
                + "  port: 9000\n"
                + "limits:\n"
                + "  pingInterval: 5s\n"
                + "  maxMessageBytes: 32768\n"
                + "ice:\n"
                + "  urls:\n"
                + "    - stun:stun.example.org:3478\n"
                + "    - turns:turn.example.org:5349\n"
                + "auth:\n"
                + "  hmacKeys:\n"
                + "    app1: " + SECRET_A + "\n");

        BifrostConfig config = ConfigLoader.load(file, Map.of(), Map.of());

        assertThat(config.server().port()).isEqualTo(9000);
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.limits().pingInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.limits().pingTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.limits().maxMessageBytes()).isEqualTo(32768);
        assertThat(config.ice().urls()).containsExactly("stun:stun.example.org:3478", "turns:turn.example.org:5349");
        assertThat(config.auth().hmacKeys()).containsExactly(Map.entry("app1", SECRET_A));
        assertThat(config.auth().developmentMode()).isFalse();
    }

    @Test
    void bifrostServerPortSetsThePort() throws Exception {
        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_SERVER_PORT", "8081"), Map.of());

        assertThat(config.server().port()).isEqualTo(8081);
    }

    @Test
    void bifrostPortIsShortForBifrostServerPort() throws Exception {
        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_PORT", "8082"), Map.of());

        assertThat(config.server().port()).isEqualTo(8082);
    }

    @Test
    void aDurationVariableTakesAUnit() throws Exception {
        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_LIMITS_PING_TIMEOUT", "45s"), Map.of());

        assertThat(config.limits().pingTimeout()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void aListVariableIsCommaSeparatedAndTrimmed() throws Exception {
        BifrostConfig config = ConfigLoader.load(null,
                Map.of("BIFROST_ICE_URLS", "stun:stun.example.org:3478, turn:turn.example.org:3478?transport=udp,"),
                Map.of());

        assertThat(config.ice().urls())
                .containsExactly("stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp");
    }

    @Test
    void aMapVariableIsWrittenAsCommaSeparatedKeyValuePairs() throws Exception {
        BifrostConfig config = ConfigLoader.load(null,
                Map.of("BIFROST_AUTH_HMAC_KEYS", "app1=" + SECRET_A + ", app2=" + SECRET_B), Map.of());

        assertThat(config.auth().hmacKeys()).containsOnly(Map.entry("app1", SECRET_A), Map.entry("app2", SECRET_B));
    }

    @Test
    void aMapVariableWithoutEqualsSignsIsRefusedNamingTheVariable() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("BIFROST_AUTH_HMAC_KEYS", SECRET_A), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("BIFROST_AUTH_HMAC_KEYS", "key=value", "auth.hmacKeys");
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = yaml("server:\n  port: 9000\n  host: 127.0.0.1\n");
        Map<String, String> env = Map.of("BIFROST_SERVER_PORT", "9001");

        BifrostConfig fromAll = ConfigLoader.load(file, env, Map.of("server.port", "9002"));
        BifrostConfig fromFileAndEnv = ConfigLoader.load(file, env, Map.of());
        BifrostConfig fromFile = ConfigLoader.load(file, Map.of(), Map.of());

        assertThat(fromAll.server().port()).isEqualTo(9002);
        assertThat(fromFileAndEnv.server().port()).isEqualTo(9001);
        assertThat(fromFile.server().port()).isEqualTo(9000);
        assertThat(fromAll.server().host()).as("a key only the file sets").isEqualTo("127.0.0.1");
    }

    @Test
    void theConfigFileVariableIsNotMistakenForAnUnknownKey() throws Exception {
        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_CONFIG", "/etc/bifrost.yaml"), Map.of());

        assertThat(config).isEqualTo(defaultsAsLoaded());
    }

    // ---------------------------------------------------------------- unknown keys

    @Test
    void anUnknownYamlKeyNamesTheDottedKeyTheFileAndTheNearestKnownKey() throws IOException {
        Path file = yaml("server:\n  prot: 9000\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'server.prot'", file.toString(), "did you mean 'port'");
    }

    @Test
    void aMisspelledGroupSuggestsTheGroup() throws IOException {
        Path file = yaml("limts:\n  pingInterval: 5s\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'limts'", "did you mean 'limits'");
    }

    @Test
    void anUnknownBifrostVariableIsAnErrorNamingItAndTheNearestKnownOne() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("BIFROST_LIMITS_PING_TIMOUT", "45s"), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("BIFROST_LIMITS_PING_TIMOUT", "did you mean 'BIFROST_LIMITS_PING_TIMEOUT'");
    }

    @Test
    void anUnknownCommandLineKeyNamesTheKeyAndItsSource() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of(), Map.of("server.prot", "9000")));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'server.prot'", "the command line");
    }

    // ---------------------------------------------------------------- bad values

    @Test
    void aWebhookUrlWithCredentialsIsRefusedWithoutShowingThem() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BIFROST_WEBHOOKS_URL", "https://bifrost:hunter2-secret@backend.example.org/hooks"), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("webhooks.url", "must not carry credentials").doesNotContain("hunter2-secret");
    }

    @Test
    void aWebhookUrlThatIsNotHttpIsShownWithoutItsCredentials() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BIFROST_WEBHOOKS_URL", "ftp://bifrost:hunter2-secret@backend.example.org/hooks"), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("must be an http(s) URL, got 'ftp://…@backend.example.org/hooks'")
                .doesNotContain("hunter2-secret");
    }

    @Test
    void aPortThatIsNotANumberNamesTheKeyTheVariableAndWhatWasExpected() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("BIFROST_SERVER_PORT", "abc"), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'abc'", "'server.port'", "BIFROST_SERVER_PORT", "a whole number");
    }

    @Test
    void aPortThatIsNotANumberInTheFileNamesTheFile() throws IOException {
        Path file = yaml("server:\n  port: abc\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'abc'", "'server.port'", file.toString(), "a whole number");
    }

    @Test
    void aDurationWithAnUnknownUnitNamesTheKeyTheSourceAndTheAcceptedForms() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("BIFROST_LIMITS_PING_TIMEOUT", "10 parsecs"), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'10 parsecs'", "'limits.pingTimeout'", "BIFROST_LIMITS_PING_TIMEOUT",
                "a duration such as");
    }

    @Test
    void aDurationWithoutUnitInTheFileIsRefused() throws IOException {
        Path file = yaml("limits:\n  pingInterval: 10\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'limits.pingInterval'", file.toString(), "duration");
    }

    @Test
    void aListGivenAsAScalarInTheFileIsRefusedNamingTheKey() throws IOException {
        Path file = yaml("ice:\n  urls: stun:stun.example.org:3478\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'ice.urls'", "a list");
    }

    @Test
    void aFileThatIsNotYamlIsRefusedNamingTheFile() throws IOException {
        Path file = yaml("server:\n  port: [9000\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("cannot parse", file.toString());
    }

    /*
     * A group key with nothing under it (every entry commented out) parses as null: the
     * group's defaults stand.
     */
    @Test
    void aGroupWhoseEntriesAreAllCommentedOutIsNotACrash() throws IOException {
        Path file = yaml("server:\n  # port: 9000\nlimits:\n  pingInterval: 5s\n");

        Throwable thrown = catchThrowable(() -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(thrown).as("defaults for the empty group, or a ConfigException")
                .satisfiesAnyOf(t -> assertThat(t).isNull(), t -> assertThat(t).isInstanceOf(ConfigException.class));
    }

    /*
     * A key left empty is a mistake worth reporting, by name, rather than a silent default.
     */
    @Test
    void aDurationKeyLeftEmptyIsAConfigErrorNamingTheKey() throws IOException {
        Path file = yaml("limits:\n  pingTimeout:\n");

        Throwable thrown = catchThrowable(() -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(thrown).isInstanceOf(ConfigException.class);
        assertThat(thrown.getMessage()).contains("limits.pingTimeout");
    }

    // ---------------------------------------------------------------- validation

    @Test
    void everyValidationProblemIsReportedAtOnce() {
        Map<String, String> env = Map.of(
                "BIFROST_LIMITS_PING_INTERVAL", "30s",
                "BIFROST_LIMITS_PING_TIMEOUT", "30s",
                "BIFROST_AUTH_HMAC_KEYS", "app1=tooshort",
                "BIFROST_SERVER_PORT", "70000");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(null, env, Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith("invalid configuration")
                .contains("'limits.pingTimeout' (from environment variable BIFROST_LIMITS_PING_TIMEOUT)",
                        "must be longer than limits.pingInterval (30s)")
                .contains("'auth.hmacKeys.app1'", "at least 32 bytes")
                .contains("'server.port'", "70000");
        assertThat(e.getMessage().lines().filter(l -> l.startsWith("  - "))).hasSize(3);
    }

    @Test
    void aNegativeDrainRateIsRefusedAndZeroMeansAllAtOnce() throws ConfigException {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("BIFROST_SERVER_DRAIN_RATE", "-5"), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'server.drainRate' (from environment variable BIFROST_SERVER_DRAIN_RATE)",
                "must be 0 (all at once) or more clients a second");
        assertThat(ConfigLoader.load(null, Map.of("BIFROST_SERVER_DRAIN_RATE", "0"), Map.of()).server().drainRate()).isZero();
    }

    @Test
    void aPingTimeoutShorterThanThePingIntervalFromTheFileNamesTheFile() throws IOException {
        Path file = yaml("limits:\n  pingInterval: 20s\n  pingTimeout: 15s\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("'limits.pingTimeout' (from " + file + ")", "(15s)", "(20s)");
    }

    // ---------------------------------------------------------------- files

    @Test
    void aMissingConfigFileIsAClearError() {
        Path missing = dir.resolve("nowhere").resolve("bifrost.yaml");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("config file " + missing + " does not exist");
    }

    @Test
    void anEmptyFileMeansAllDefaults() throws Exception {
        assertThat(ConfigLoader.load(yaml(""), Map.of(), Map.of())).isEqualTo(defaultsAsLoaded());
        assertThat(ConfigLoader.load(yaml("# nothing configured yet\n"), Map.of(), Map.of()))
                .isEqualTo(defaultsAsLoaded());
    }

    @Test
    void aFileThatIsAListInsteadOfGroupsIsRefused() throws IOException {
        Path file = yaml("- server\n- port\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Map.of()));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains(file.toString(), "mapping");
    }

    // ---------------------------------------------------------------- reference

    @Test
    void describeDefaultsListsEveryKeyOfTheConfigWithItsDefault() {
        Map<String, String> described = ConfigLoader.describeDefaults();

        assertThat(described.keySet()).isEqualTo(leafKeys(BifrostConfig.class, ""));
        assertThat(described).containsEntry("server.port", "7800")
                .containsEntry("server.host", "0.0.0.0")
                .containsEntry("limits.pingInterval", "10s")
                .containsEntry("limits.pingTimeout", "30s")
                .containsEntry("auth.jwksCacheTtl", "5m")
                .containsEntry("rooms.maxParticipants", "100");
    }

    @Test
    void everyDescribedKeyCanBeSetThroughItsEnvironmentVariable() throws Exception {
        assertThat(ConfigLoader.envName("server.port")).isEqualTo("BIFROST_SERVER_PORT");
        assertThat(ConfigLoader.envName("limits.pingTimeout")).isEqualTo("BIFROST_LIMITS_PING_TIMEOUT");
        assertThat(ConfigLoader.envName("auth.hmacKeys")).isEqualTo("BIFROST_AUTH_HMAC_KEYS");
        assertThat(ConfigLoader.envName("auth.devKeyFile")).isEqualTo("BIFROST_AUTH_DEV_KEY_FILE");

        Map<String, String> values = Map.of("auth.hmacKeys", "app1=" + SECRET_A, "auth.publicKeys", "",
                "ice.urls", "stun:stun.example.org:3478", "sfu.janus", "ws://10.0.0.5:8188,ws://10.0.0.6:8188",
                "server.allowedOrigins", "https://app.example.org,http://localhost:5173",
                "webhooks.url", "https://backend.example.org/bifrost");
        for (Map.Entry<String, String> key : ConfigLoader.describeDefaults().entrySet()) {
            String value = values.getOrDefault(key.getKey(), key.getValue());
            String env = ConfigLoader.envName(key.getKey());

            Throwable refused = catchThrowable(() -> ConfigLoader.load(null, Map.of(env, value), Map.of()));

            assertThat(refused).as("%s=%s", env, value).isNull();
        }
        BifrostConfig port = ConfigLoader.load(null, Map.of(ConfigLoader.envName("server.port"), "7801"), Map.of());
        assertThat(port.server().port()).isEqualTo(7801);
    }

    @Test
    void broadcastRoomsAndTheirJanusNodesAreConfigured() throws Exception {
        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_SFU_JANUS", "ws://10.0.0.5:8188, ws://10.0.0.6:8188",
                "BIFROST_SFU_API_SECRET", "s3cret", "BIFROST_ROOMS_DEFAULT_MODE", "broadcast"), Map.of());

        assertThat(config.sfu().janus()).containsExactly("ws://10.0.0.5:8188", "ws://10.0.0.6:8188");
        assertThat(config.sfu().apiSecret()).isEqualTo("s3cret");
        assertThat(config.sfu().listenersPerNode()).isEqualTo(500);
        assertThat(config.rooms().defaultMode()).isEqualTo("broadcast");
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_SFU_JANUS", "http://10.0.0.5:8088"), Map.of())))
                .hasMessageContaining("sfu.janus").hasMessageContaining("ws://");
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_ROOMS_DEFAULT_MODE", "radio"), Map.of())))
                .hasMessageContaining("rooms.defaultMode").hasMessageContaining("mesh or broadcast");
    }

    @Test
    void aLargeAudienceStartsPastAHundredListenersUnlessConfigured() throws Exception {
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).rooms().largeAudience()).isEqualTo(100);
        assertThat(ConfigLoader.load(null, Map.of("BIFROST_ROOMS_LARGE_AUDIENCE", "20"), Map.of()).rooms().largeAudience())
                .isEqualTo(20);
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of(), Map.of("rooms.largeAudience", "-1"))))
                .hasMessageContaining("rooms.largeAudience").hasMessageContaining("must not be negative");
    }

    @Test
    void aTurnSecretGoesWithTurnUrls() throws Exception {
        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_ICE_URLS", "stun:127.0.0.1:3478,turn:127.0.0.1:3478",
                "BIFROST_ICE_TURN_SECRET", "north-gate-turn-secret", "BIFROST_ICE_TURN_CREDENTIAL_TTL", "2h"), Map.of());

        assertThat(config.ice().turnSecret()).isEqualTo("north-gate-turn-secret");
        assertThat(config.ice().turnCredentialTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).ice().turnCredentialTtl()).isEqualTo(Duration.ofHours(6));
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_ICE_URLS", "stun:127.0.0.1:3478",
                "BIFROST_ICE_TURN_SECRET", "north-gate-turn-secret"), Map.of())))
                .hasMessageContaining("'ice.turnSecret'").hasMessageContaining("no turn: or turns: URL");
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_ICE_TURN_CREDENTIAL_TTL", "10s"), Map.of())))
                .hasMessageContaining("'ice.turnCredentialTtl'").hasMessageContaining("at least 1m");
    }

    // ---------------------------------------------------------------- helpers

    private Path yaml(String content) throws IOException {
        Path file = Files.createTempFile(dir, "bifrost", ".yaml");
        Files.writeString(file, content);
        return file;
    }

    /** The dotted keys of the config records; maps and lists are leaves, as the loader sets them whole. */
    private static Set<String> leafKeys(Class<?> type, String prefix) {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent component : type.getRecordComponents()) {
            String key = prefix + component.getName();
            if (component.getType().isRecord()) {
                keys.addAll(leafKeys(component.getType(), key + "."));
            } else {
                keys.add(key);
            }
        }
        return keys;
    }

    /** The defaults, with the development key file the loader resolves under the user's home. */
    private static BifrostConfig defaultsAsLoaded() {
        BifrostConfig d = BifrostConfig.defaults();
        BifrostConfig.Auth a = d.auth();
        String devKeyFile = java.nio.file.Path.of(System.getProperty("user.home"), ".bifrost", "dev-key").toString();
        return new BifrostConfig(d.server(), new BifrostConfig.Auth(a.hmacKeys(), a.publicKeys(), a.jwksUrl(),
                a.jwksCacheTtl(), a.audience(), a.clockSkew(), devKeyFile, a.reuseAfterLeave()), d.rooms(), d.limits(), d.ice(), d.redis(), d.sfu(),
                d.webhooks());
    }

    @Test
    void theDevelopmentKeyLivesUnderTheUsersHomeByDefault() throws Exception {
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).auth().devKeyFile())
                .isEqualTo(java.nio.file.Path.of(System.getProperty("user.home"), ".bifrost", "dev-key").toString());
    }

    @Test
    void anyVariableMayNameAFileThatHoldsItsValue() throws Exception {
        Path keys = dir.resolve("bifrost-keys");
        Files.writeString(keys, "app1=" + SECRET_A + "\n");

        BifrostConfig config = ConfigLoader.load(null, Map.of("BIFROST_AUTH_HMAC_KEYS_FILE", keys.toString()), Map.of());

        assertThat(config.auth().hmacKeys()).containsEntry("app1", SECRET_A).hasSize(1);
        assertThat(ConfigLoader.load(null, Map.of("BIFROST_AUTH_DEV_KEY_FILE", "/tmp/k"), Map.of()).auth().devKeyFile())
                .as("a key whose own name ends in _FILE is that key").isEqualTo("/tmp/k");
    }

    @Test
    void aSecretFileThatCannotBeReadOrClashesWithItsVariableIsAnErrorThatNeverShowsTheSecret() throws Exception {
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "app1=" + SECRET_A);

        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_AUTH_HMAC_KEYS_FILE", dir.resolve("missing").toString()),
                Map.of()))).isInstanceOf(ConfigException.class).hasMessageContaining("BIFROST_AUTH_HMAC_KEYS_FILE").hasMessageContaining("missing");
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_AUTH_HMAC_KEYS_FILE", keys.toString(),
                "BIFROST_AUTH_HMAC_KEYS", "app2=" + SECRET_A), Map.of()))).hasMessageContaining("both set").hasMessageNotContaining(SECRET_A);
        Files.writeString(keys, "app1=too-short");
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_AUTH_HMAC_KEYS_FILE", keys.toString()), Map.of())))
                .hasMessageContaining("auth.hmacKeys.app1").hasMessageNotContaining("too-short");
    }

    @Test
    void tlsNeedsAReadableKeyStoreWithAPasswordAndTheAdminPortItsOwnPort() {
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_SERVER_TLS_KEY_STORE", dir.resolve("none.p12").toString()),
                Map.of()))).hasMessageContaining("server.tls.keyStore").hasMessageContaining("server.tls.keyStorePassword");
        assertThat(catchThrowable(() -> ConfigLoader.load(null, Map.of("BIFROST_SERVER_ADMIN_PORT", "7800"), Map.of())))
                .hasMessageContaining("server.adminPort");
    }
}
