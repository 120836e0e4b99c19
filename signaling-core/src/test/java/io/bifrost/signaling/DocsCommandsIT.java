package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.Role;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.testing.DocSandbox;
import io.bifrost.signaling.testing.DocSandbox.Result;
import io.bifrost.signaling.testing.DocSandbox.Terminal;
import io.bifrost.signaling.testing.DocSnippets;
import io.bifrost.signaling.testing.DocSnippets.Block;
import io.bifrost.signaling.testing.TrustedCertificates;
import io.bifrost.signaling.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every shell command in the repository's Markdown runs, so that none can rot: the test runs a
 * block as printed (placeholders such as {@code <secret>} filled in), in a {@link DocSandbox} of
 * its own where the documented ports are free, and checks what a reader would check (the node
 * answers, the token is admitted, two nodes share a room). A block that another test already runs,
 * or that cannot run here, is listed in {@code docs/commands.tsv}: with the file that runs it and
 * what that file must contain, or with the reason. A new command block that is neither run here
 * nor listed fails the build, and so does a listing or a run whose block is gone.
 */
@Timeout(120)
class DocsCommandsIT {
    private static final Path ROOT = Path.of(System.getProperty("bifrost.root", "..")).toAbsolutePath().normalize();
    private static final Path MANIFEST = ROOT.resolve("docs/commands.tsv");
    private static final Set<String> SHELL = Set.of("sh", "bash", "shell", "console");
    private static final Duration START = Duration.ofSeconds(60);
    private static final String DEFAULT_NODE = "Bifrost is running on http://localhost:7800";
    private static final Pattern JWT = Pattern.compile("(?m)^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A command block, named by its file (from the repository's root) and its first command. */
    record Key(String file, String first) {
        @Override
        public String toString() {
            return file + " `" + first + "`";
        }
    }

    /** The blocks this class runs; {@link #run} registers each for the inventory. */
    private static final List<Key> RUN = new ArrayList<>();
    private static final Key README_SERVE = run("README.md", "./bifrost serve");
    private static final Key README_QUICK_START = run("README.md", "TOKEN=$(./bifrost token --room demo --identity alice --role host)");
    private static final Key README_COMMANDS = run("README.md", "./bifrost serve [--port N] [--config FILE]");
    private static final Key README_JANUS = run("README.md", "BIFROST_SFU_JANUS=ws://10.0.0.5:8188,ws://10.0.0.6:8188 "
            + "BIFROST_SFU_API_SECRET=<janus api_secret> BIFROST_SFU_ADMIN_KEY=<videoroom admin_key> ./bifrost serve");
    private static final Key README_CLUSTER = run("README.md", "BIFROST_REDIS_URL=redis://127.0.0.1:6379 "
            + "BIFROST_AUTH_HMAC_KEYS=main=<32+ byte secret> ./bifrost serve --port 7801");
    private static final Key START_SERVE = run("docs/getting-started.md", "./bifrost serve");
    private static final Key START_KEY = run("docs/getting-started.md", "echo \"app=$(openssl rand -hex 32)\" > bifrost-keys");
    private static final Key START_TOKEN = run("docs/getting-started.md",
            "TOKEN=$(BIFROST_AUTH_HMAC_KEYS_FILE=bifrost-keys ./bifrost token --room demo --identity alice --role host)");
    private static final Key DEPLOY_CONFIG = run("docs/deployment.md", "./bifrost serve --config bifrost.yaml");
    private static final Key DEPLOY_JAR = run("docs/deployment.md",
            "java @signaling-core/jvm.options -jar signaling-core/target/bifrost-server.jar serve --config bifrost.yaml");
    private static final Key DEPLOY_TLS = run("docs/deployment.md",
            "export BIFROST_SERVER_TLS_KEY_STORE_PASSWORD=\"$(openssl rand -hex 16)\"");
    private static final Key REST_ADMIN_TOKEN = run("docs/rest-api.md", "./bifrost admin-token");
    private static final Key REST_EXAMPLE = run("docs/rest-api.md", "ADMIN=$(./bifrost admin-token)");
    private static final Key CLUSTER_NODE = run("samples/cluster/README.md", "BIFROST_REDIS_URL=redis://127.0.0.1:6380 "
            + "BIFROST_AUTH_HMAC_KEYS=\"my-api-key=a secret of 32 bytes or more from your secret store\" "
            + "BIFROST_SERVER_PORT=7801 java @signaling-core/jvm.options -jar signaling-core/target/bifrost-server.jar serve");
    private static final Key SDK_INSTALL = run("docs/sdk-js.md", "cd <bifrost>/sdk-js && npm ci && npm run build && npm pack");
    private static final Key WEB_BUILD = run("samples/audio-room-web/README.md", "npm ci");
    private static final Key WEB_DEV = run("samples/audio-room-web/README.md", "npm run dev");

    private final HttpClient http = HttpClient.newHttpClient();

    private static Key run(String file, String first) {
        Key key = new Key(file, first);
        RUN.add(key);
        return key;
    }

    // ------------------------------------------------------------------ the inventory

    @Test
    void everyCommandBlockIsRunHereOrListedWithTheTestThatRunsItOrWhyItCannot() throws Exception {
        Map<Key, Block> blocks = commandBlocks();
        Map<Key, Listing> listed = manifest();
        List<String> problems = new ArrayList<>();
        for (Block block : allBlocks()) {
            if (block.language().isEmpty()) {
                problems.add(where(block) + ": a block without a language; name it (sh for commands, text for output or drawings)");
            }
        }
        blocks.forEach((key, block) -> {
            if (!RUN.contains(key) && !listed.containsKey(key)) {
                problems.add(where(block) + ": " + key + " is run by no test: run it in DocsCommandsIT, or list it in "
                        + "docs/commands.tsv with the test that runs it, or with why it cannot run here");
            }
            if (RUN.contains(key) && listed.containsKey(key)) {
                problems.add(key + " is run here and listed in docs/commands.tsv: keep one");
            }
        });
        for (Key key : RUN) {
            if (!blocks.containsKey(key)) {
                problems.add("DocsCommandsIT runs " + key + ", which no block of that file starts with any more");
            }
        }
        for (Key key : listed.keySet()) {
            if (!blocks.containsKey(key)) {
                problems.add("docs/commands.tsv lists " + key + ", which no block of that file starts with any more");
            }
        }
        assertThat(problems).isEmpty();
        assertThat(blocks).as("the docs have command blocks").hasSizeGreaterThan(20);
    }

    @Test
    void theFilesThatTheListingNamesRunTheirCommands() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Listing listing : manifest().values()) {
            if (listing.how().equals("not-runnable")) {
                if (listing.detail().isBlank()) {
                    problems.add(listing.key() + ": say why it cannot run here");
                }
                continue;
            }
            Path evidence = ROOT.resolve(listing.path());
            if (!Files.isRegularFile(evidence)) {
                problems.add(listing.key() + ": " + listing.path() + " does not exist");
            } else if (!Files.readString(evidence).contains(listing.detail())) {
                problems.add(listing.key() + ": " + listing.path() + " does not contain " + listing.detail());
            }
        }
        assertThat(problems).isEmpty();
    }

    /**
     * The benchmark runs for minutes to hours, so it is not run here; but a misspelt option would
     * be refused by bench/run, or quietly left at its default by the harness's jar: every option
     * of the docs' benchmark commands is one that bench/run takes, or that the harness reads for
     * a mode it has.
     */
    @Test
    void theBenchmarkCommandsUseModesAndOptionsThatExist() throws Exception {
        Set<String> script = matches("(?m)^\\s+(--[a-z-]+)(\\|-h\\|--help)?\\)", Files.readString(ROOT.resolve("bench/run")));
        String harness = Files.readString(ROOT.resolve("bench/src/main/java/io/bifrost/bench/Main.java"));
        Set<String> read = new HashSet<>();
        matches("(?:get|getOrDefault|required|integer)\\((?:options, )?\"([a-z-]+)\"", harness).forEach(name -> read.add("--" + name));
        Set<String> modes = matches("(?m)^\\s+\"  bench ([a-z]+)", harness);
        List<String> commands = commandBlocks().values().stream().flatMap(b -> DocSnippets.commands(b.text()).stream()).toList();
        int checked = 0;
        for (String command : commands) {
            Matcher run = Pattern.compile("(?:^| )bench/run( .*|$)").matcher(command);
            Matcher jar = Pattern.compile("java -jar bench/target/bifrost-bench\\.jar ([a-z]+)(.*)").matcher(command);
            if (run.find()) {
                assertThat(script).as("bench/run's options, for: %s", command).containsAll(matches("(--[a-z-]+)", run.group(1)));
                checked++;
            } else if (jar.find()) {
                assertThat(modes).as("the harness's modes, for: %s", command).contains(jar.group(1));
                if (!jar.group(1).equals("micro")) { // JMH's own options follow micro
                    assertThat(read).as("the options the harness reads, for: %s", command).containsAll(matches("(--[a-z-]+)", jar.group(2)));
                }
                checked++;
            }
        }
        assertThat(checked).as("benchmark commands in the docs").isGreaterThan(20);
    }

    private static Set<String> matches(String regex, String text) {
        Set<String> found = new HashSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    // ------------------------------------------------------------------ README.md

    @Test
    void serveRunsANodeOnPort7800WithATokenAndTheDemoPageAndWscatJoinsWithAMintedToken() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            String banner = sandbox.open(text(README_SERVE)).await("More tokens", START);
            assertThat(banner).contains(DEFAULT_NODE);
            Matcher token = JWT.matcher(banner);
            assertThat(token.find()).as("a development token in: %s", banner).isTrue();
            try (WsClient devUser = WsClient.connect(rtc(sandbox, 7800, token.group()))) {
                assertThat(devUser.awaitJoined().path("participant").path("identity").asText()).isEqualTo("dev-user");
            }
            HttpResponse<String> demo = get("http://" + sandbox.address() + ":7800/?room=demo");
            assertThat(demo.statusCode()).isEqualTo(200);
            assertThat(demo.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");

            String output = sandbox.open(text(README_QUICK_START)).await("\"type\":\"joined\"", START);
            JsonNode joined = JSON.readTree(output.substring(output.indexOf("{\"type\":\"joined\"")).lines().findFirst().orElseThrow());
            assertThat(joined.path("participant").path("identity").asText()).isEqualTo("alice");
            assertThat(joined.path("participant").path("role").asText()).isEqualTo("host");
            JsonNode shown = JSON.readTree(blockAfter(README_QUICK_START, "json"));
            assertThat(fieldNames(joined)).as("the joined frame's fields").isEqualTo(fieldNames(shown));
            assertThat(fieldNames(joined.path("participant"))).as("the participant's fields").isEqualTo(fieldNames(shown.path("participant")));
        }
    }

    @Test
    void theCommandsSynopsisIsTheLaunchersAndItsPlainCommandsRun() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            Result help = sandbox.run("./bifrost help");
            assertThat(help.exitCode()).as(help.toString()).isZero();
            String usage = help.output().replaceAll("\\s+", " ");
            for (String command : DocSnippets.commands(text(README_COMMANDS))) {
                if (command.contains("[")) {
                    assertThat(usage).as("./bifrost help").contains(command.replaceFirst("^\\./", ""));
                } else {
                    Result ran = sandbox.run(command);
                    assertThat(ran.exitCode()).as("%s: %s", command, ran).isZero();
                    assertThat(ran.output()).as(command).containsPattern("(?m)^server\\.port\\s+7800\\s+BIFROST_SERVER_PORT$");
                }
            }
            // the launcher's variable for the JVM is not taken for a setting of the server's, which refuses unknown ones
            Result withJavaOptions = sandbox.run("BIFROST_JAVA_OPTS=-Xss1m ./bifrost token --room demo --identity alice");
            assertThat(withJavaOptions.exitCode()).as(withJavaOptions.toString()).isZero();
        }
    }

    @Test
    void theJanusSettingsOfTheReadmeAreTakenByTheNode() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            String script = fill(text(README_JANUS), Map.of("<janus api_secret>", "janus-api-secret",
                    "<videoroom admin_key>", "videoroom-admin-key"));
            String log = sandbox.open(script).await(DEFAULT_NODE, START);
            assertThat(log).contains("Broadcast rooms use 2 Janus node(s): [ws://10.0.0.5:8188, ws://10.0.0.6:8188]");
        }
    }

    @Test
    void theReadmesTwoNodesOnOneRedisShareARoom() throws Exception {
        String secret = "a-secret-of-the-readme-cluster-that-is-32-bytes-or-more";
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            sandbox.open("exec redis-server --port 6379 --save '' --appendonly no").await("Ready to accept connections", START);
            List<Terminal> nodes = new ArrayList<>();
            for (String command : DocSnippets.commands(fill(text(README_CLUSTER), Map.of("<32+ byte secret>", secret)))) {
                nodes.add(sandbox.open(command)); // each node in a terminal of its own
            }
            nodes.get(0).await("running on http://localhost:7801", START);
            nodes.get(1).await("running on http://localhost:7802", START);
            TokenIssuer issuer = TokenIssuer.hmac("main", secret.getBytes(StandardCharsets.UTF_8));
            try (WsClient alice = WsClient.connect(rtc(sandbox, 7801, speaker(issuer, "alice")));
                 WsClient bob = WsClient.connect(rtc(sandbox, 7802, speaker(issuer, "bob")))) {
                alice.awaitJoined();
                bob.awaitJoined();
                assertThat(alice.expect("participant-joined").path("participant").path("identity").asText()).isEqualTo("bob");
            }
        }
    }

    // ------------------------------------------------------------------ docs/

    @Test
    void gettingStartedsKeyIsTheOneItsTokenIsSignedWithInAnotherTerminal() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            String banner = sandbox.open(text(START_KEY)).await(DEFAULT_NODE, START);
            assertThat(banner).doesNotContain("Development token");
            Result validated = sandbox.run(text(START_TOKEN)); // a second terminal: nothing exported there
            assertThat(validated.exitCode()).as(validated.toString()).isZero();
            JsonNode answer = JSON.readTree(validated.output());
            assertThat(answer.path("ok").asBoolean()).as(validated.toString()).isTrue();
            assertThat(answer.path("identity").asText()).isEqualTo("alice");
            assertThat(answer.path("role").asText()).isEqualTo("host");
            // as the page says, a token minted without the key file is the development key's
            Result withoutKey = sandbox.run(text(START_TOKEN).replace("BIFROST_AUTH_HMAC_KEYS_FILE=bifrost-keys ", ""));
            assertThat(withoutKey.output()).as(withoutKey.toString()).contains("\"reason\":\"unknown-key\"");
        }
    }

    @Test
    void deploymentsConfigFileRunsANodeThatAdmitsItsKey() throws Exception {
        runsANodeThatAdmitsTheConfigsKey(DEPLOY_CONFIG);
    }

    @Test
    void deploymentsJarRunsWithTheNodesJvmOptions() throws Exception {
        runsANodeThatAdmitsTheConfigsKey(DEPLOY_JAR);
    }

    /** The page's configuration file, and {@code command} run with it: a node that admits the file's key. */
    private void runsANodeThatAdmitsTheConfigsKey(Key command) throws Exception {
        String yaml = blockAfter(DEPLOY_CONFIG, "yaml");
        Map.Entry<String, String> key = ConfigLoader.fromYaml(yaml).auth().hmacKeys().entrySet().iterator().next();
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            Files.writeString(sandbox.checkout().resolve("bifrost.yaml"), yaml);
            String banner = sandbox.open(text(command)).await(DEFAULT_NODE, START);
            assertThat(banner).doesNotContain("Development token");
            TokenIssuer issuer = TokenIssuer.hmac(key.getKey(), key.getValue().getBytes(StandardCharsets.UTF_8));
            try (WsClient alice = WsClient.connect(rtc(sandbox, 7800, speaker(issuer, "alice")))) {
                assertThat(alice.awaitJoined().path("participant").path("identity").asText()).isEqualTo("alice");
            }
        }
    }

    @Test
    void deploymentsKeyStoreOfACasCertificateServesHttpsAndWss() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            // what a CA issues: a chain and its key; here self-signed, for the sandbox's address
            Result issued = sandbox.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                    + " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:" + sandbox.address()
                    + " -keyout privkey.pem -out fullchain.pem");
            assertThat(issued.exitCode()).as(issued.toString()).isZero();
            String banner = sandbox.open(text(DEPLOY_TLS)).await("More tokens", START);
            assertThat(banner).contains("Bifrost is running on https://localhost:7800");
            Matcher token = JWT.matcher(banner);
            assertThat(token.find()).as("a development token in: %s", banner).isTrue();

            SSLContext trusting = TrustedCertificates.trusting(TrustedCertificates.pem(sandbox.checkout().resolve("fullchain.pem")));
            HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create("https://" + sandbox.address() + ":7800/healthz"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as("/healthz over HTTPS with the CA's certificate").isEqualTo(200);
            CompletableFuture<String> first = new CompletableFuture<>();
            https.newWebSocketBuilder().buildAsync(URI.create("wss://" + sandbox.address() + ":7800/rtc?access_token=" + token.group()),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                            first.complete(data.toString());
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            assertThat(first.get(10, TimeUnit.SECONDS)).as("the first frame over WSS").contains("\"type\":\"joined\"");
        }
    }

    @Test
    void restApisAdminTokensHoldTheGrantsRoomAndLifetimeAsked() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            Result minted = sandbox.run(text(REST_ADMIN_TOKEN));
            assertThat(minted.exitCode()).as(minted.toString()).isZero();
            List<JsonNode> tokens = minted.output().lines().map(DocsCommandsIT::payload).toList();
            assertThat(tokens).hasSize(2);
            JsonNode every = tokens.get(0);
            assertThat(every.path("grants").path("roomCreate").asBoolean() && every.path("grants").path("roomList").asBoolean()
                    && every.path("grants").path("roomAdmin").asBoolean()).as(every.toString()).isTrue();
            assertThat(every.has("room")).isFalse();
            assertThat(every.path("exp").asLong() - every.path("iat").asLong()).isEqualTo(600);
            JsonNode radio = tokens.get(1);
            assertThat(radio.path("grants").path("roomAdmin").asBoolean()).as(radio.toString()).isTrue();
            assertThat(radio.path("grants").path("roomCreate").asBoolean() || radio.path("grants").path("roomList").asBoolean())
                    .as(radio.toString()).isFalse();
            assertThat(radio.path("room").asText()).isEqualTo("radio");
            assertThat(radio.path("exp").asLong() - radio.path("iat").asLong()).isEqualTo(3600);
        }
    }

    @Test
    void restApisExampleOnGettingStartedsNodeCreatesTheRoomListsItsParticipantsAndReachesThePatch() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            // getting-started's node, which the page's examples talk to
            String banner = sandbox.open(text(START_SERVE)).await("More tokens", START);
            assertThat(banner).contains(DEFAULT_NODE, "Development token");
            Result answers = sandbox.run(text(REST_EXAMPLE));
            assertThat(answers.exitCode()).as(answers.toString()).isZero();
            // curl -s prints each body as it is, with no newline between them
            Iterator<JsonNode> bodies = JSON.readerFor(JsonNode.class).<JsonNode>readValues(answers.output());
            JsonNode room = bodies.next();
            assertThat(room.path("name").asText()).isEqualTo("jazz-night");
            assertThat(room.path("mode").asText()).isEqualTo("broadcast");
            assertThat(room.path("capacity").asInt()).isEqualTo(5000);
            assertThat(room.path("metadata").asText()).isEqualTo("{\"topic\":\"jazz\"}");
            assertThat(room.path("managed").asBoolean()).isTrue();
            assertThat(bodies.next().path("participants").isArray()).isTrue();
            // the page's participant id is an example: the node looked for it in the room
            JsonNode patched = bodies.next();
            assertThat(patched.path("code").asText()).as(patched.toString()).isEqualTo("not-found");
            assertThat(patched.path("message").asText()).contains("p_0b8n3c5v2zqe", "jazz-night");
        }
    }

    /**
     * The JavaScript side, in the order it builds: the SDK packed and installed in an app, then the
     * web app, which consumes the SDK just built, and its development server.
     */
    @Test
    void theSdkInstallsInAnAppAndTheWebAppBuildsAndItsDevServerForwardsToTheBackend() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            Path app = sandbox.directory("app");
            String script = fill(text(SDK_INSTALL), Map.of("<bifrost>", sandbox.checkout().toString(), "<your app>", app.toString()));
            try {
                Result installed = sandbox.runOnHost(script, Duration.ofSeconds(90));
                assertThat(installed.exitCode()).as(installed.toString()).isZero();
            } finally {
                try (Stream<Path> packed = Files.list(ROOT.resolve("sdk-js"))) {
                    for (Path tarball : packed.filter(f -> f.toString().endsWith(".tgz")).toList()) {
                        Files.delete(tarball);
                    }
                }
            }
            Result imported = sandbox.runOnHost("cd " + app
                    + " && node --input-type=module -e \"const sdk = await import('@bifrost/client'); console.log(typeof sdk.connect)\"",
                    Duration.ofSeconds(30));
            assertThat(imported.output()).as(imported.toString()).isEqualTo("function");

            Result built = sandbox.runOnHost("cd samples/audio-room-web && " + text(WEB_BUILD), Duration.ofSeconds(90));
            assertThat(built.exitCode()).as(built.toString()).isZero();
            assertThat(ROOT.resolve("samples/audio-room-web/dist/index.html")).exists();

            backend(sandbox, 7900, "the backend on its usual port");
            backend(sandbox, 8000, "the backend elsewhere");
            List<String> dev = DocSnippets.commands(text(WEB_DEV));
            assertThat(dev).as("the dev server, then the dev server with another backend").hasSize(2);
            int port = devServer(sandbox, dev.get(0));
            assertThat(curl(sandbox, port, "/")).contains("<title>Bifrost Rooms</title>");
            assertThat(curl(sandbox, port, "/api/whoami")).isEqualTo("the backend on its usual port");
            assertThat(curl(sandbox, port, "/webhooks")).isEqualTo("the backend on its usual port");
            assertThat(curl(sandbox, devServer(sandbox, dev.get(1)), "/api/whoami")).isEqualTo("the backend elsewhere");
        }
    }

    /** A backend that answers /api/whoami and /webhooks with its name, on 127.0.0.1 in the namespace. */
    private static void backend(DocSandbox sandbox, int port, String name) throws Exception {
        Path files = Files.createDirectories(sandbox.directory("backend-" + port).resolve("api"));
        Files.writeString(files.resolve("whoami"), name);
        Files.writeString(files.resolveSibling("webhooks"), name);
        sandbox.open("exec python3 -u -m http.server " + port + " --bind 127.0.0.1 --directory " + files.getParent())
                .await("Serving HTTP", START);
    }

    /** Starts a dev server command in the web app's folder; returns its port (Vite takes the next free one). */
    private static int devServer(DocSandbox sandbox, String command) throws Exception {
        String output = sandbox.open("cd samples/audio-room-web && " + command).await("Local:", START);
        Matcher local = Pattern.compile("Local:\\s+http://localhost:(\\d+)/").matcher(output);
        assertThat(local.find()).as(output).isTrue();
        return Integer.parseInt(local.group(1));
    }

    private static String curl(DocSandbox sandbox, int port, String path) throws Exception {
        Result answer = sandbox.run("curl -sS http://localhost:" + port + path);
        assertThat(answer.exitCode()).as(answer.toString()).isZero();
        return answer.output();
    }

    // ------------------------------------------------------------------ samples/

    @Test
    void theClusterSamplesNodeCommandJoinsTheClusterOnItsRedis() throws Exception {
        try (DocSandbox sandbox = DocSandbox.create(ROOT)) {
            sandbox.open("exec redis-server --port 6380 --save '' --appendonly no").await("Ready to accept connections", START);
            String log = sandbox.open(text(CLUSTER_NODE)).await("running on http://localhost:7801", START);
            assertThat(log).contains("joins the cluster");
            TokenIssuer issuer = TokenIssuer.hmac("my-api-key",
                    "a secret of 32 bytes or more from your secret store".getBytes(StandardCharsets.UTF_8));
            try (WsClient alice = WsClient.connect(rtc(sandbox, 7801, speaker(issuer, "alice")))) {
                alice.awaitJoined();
                Result keys = sandbox.run("redis-cli -p 6380 --scan");
                assertThat(keys.output()).as("the room, in Redis: %s", keys).contains("docs-room");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A block's text, as the reader sees it. */
    private static String text(Key key) throws Exception {
        Block block = commandBlocks().get(key);
        assertThat(block).as("a block that starts with %s", key).isNotNull();
        return block.text();
    }

    /** The first block of a language after this one, in the same file: the config file a command names, the frame it prints. */
    private static String blockAfter(Key key, String language) throws Exception {
        int line = commandBlocks().get(key).line();
        return DocSnippets.blocks(ROOT.resolve(key.file())).stream()
                .filter(b -> b.line() > line && b.language().equals(language))
                .findFirst().orElseThrow(() -> new AssertionError("no ```" + language + " block after " + key)).text();
    }

    /** Fills in the block's placeholders; each must be there, or the block changed under the test. */
    private static String fill(String text, Map<String, String> values) {
        String filled = text;
        for (Map.Entry<String, String> value : values.entrySet()) {
            assertThat(filled).as("the placeholder").contains(value.getKey());
            filled = filled.replace(value.getKey(), value.getValue());
        }
        return filled;
    }

    private static List<Block> allBlocks() throws Exception {
        List<Block> blocks = new ArrayList<>();
        for (Path file : DocSnippets.markdownFiles(ROOT)) {
            blocks.addAll(DocSnippets.blocks(file));
        }
        return blocks;
    }

    private static Map<Key, Block> commandBlocks() throws Exception {
        Map<Key, Block> blocks = new LinkedHashMap<>();
        for (Block block : allBlocks()) {
            List<String> commands = DocSnippets.commands(block.text());
            if (SHELL.contains(block.language()) && !commands.isEmpty()) {
                Key key = new Key(ROOT.relativize(block.file()).toString(), commands.get(0));
                assertThat(blocks.put(key, block)).as("two blocks start with %s", key).isNull();
            }
        }
        return blocks;
    }

    /**
     * A row of docs/commands.tsv: the block, then {@code mapped} with the file that runs it and
     * what that file contains, or {@code not-runnable} with the reason.
     */
    record Listing(Key key, String how, String path, String detail) {}

    private static Map<Key, Listing> manifest() throws Exception {
        Map<Key, Listing> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(MANIFEST)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split("\t");
            Key key = new Key(cells[0], cells[1]);
            Listing listing = switch (cells[2]) {
                case "mapped" -> {
                    assertThat(cells).as("file, first command, mapped, the file that runs it, what it contains: %s", line).hasSize(5);
                    yield new Listing(key, cells[2], cells[3], cells[4]);
                }
                case "not-runnable" -> {
                    assertThat(cells).as("file, first command, not-runnable, why: %s", line).hasSize(4);
                    yield new Listing(key, cells[2], "", cells[3]);
                }
                default -> throw new AssertionError("mapped or not-runnable, not " + cells[2] + ": " + line);
            };
            assertThat(listed.put(key, listing)).as("listed twice: %s", key).isNull();
        }
        return listed;
    }

    private static String where(Block block) {
        return ROOT.relativize(block.file()) + ":" + block.line();
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode payload(String jwt) {
        assertThat(jwt).matches(JWT);
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (Exception e) {
            throw new AssertionError("not a JWT: " + jwt, e);
        }
    }

    private static String speaker(TokenIssuer issuer, String identity) {
        return issuer.issue(TokenRequest.builder("docs-room", identity).role(Role.SPEAKER).build());
    }

    private static URI rtc(DocSandbox sandbox, int port, String token) {
        return URI.create("ws://" + sandbox.address() + ":" + port + "/rtc?access_token=" + token);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
