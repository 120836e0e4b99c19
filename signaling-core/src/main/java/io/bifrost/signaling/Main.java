package io.bifrost.signaling;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.DevKey;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.signaling.config.BifrostConfig;
import io.bifrost.signaling.config.ConfigException;
import io.bifrost.signaling.config.ConfigLoader;
import io.bifrost.signaling.config.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** The {@code bifrost} command: {@code serve} runs a node, {@code token} mints a join token. */
public final class Main {
    private static final int OK = 0;
    private static final int USAGE = 2;
    private static final String DEMO_ROOM = "demo";
    /** The printed dev token outlives a working day of trying things out. */
    private static final Duration BANNER_TOKEN_TTL = Duration.ofHours(24);

    private static final String HELP = String.join("\n",
            "Usage:",
            "  bifrost serve [--port N] [--config FILE]",
            "      Runs one node. With no signing key configured it uses a development key",
            "      (kept in ~/.bifrost/dev-key), prints a token and serves a demo page.",
            "  bifrost token --room ROOM --identity ID [--name NAME] [--role host|speaker|listener]",
            "                [--mode mesh|broadcast] [--ttl 1h] [--metadata TEXT] [--key-id KID] [--config FILE]",
            "      Prints a join token signed with the configured key (or the development key).",
            "  bifrost admin-token [--grants roomCreate,roomList,roomAdmin] [--room ROOM] [--ttl 10m]",
            "                      [--key-id KID] [--config FILE]",
            "      Prints an admin token for the REST API (/api/v1); every grant unless --grants names some.",
            "  bifrost config",
            "      Prints every configuration key with its default and environment variable.",
            "",
            "The config file is YAML (also BIFROST_CONFIG); every key can be set as BIFROST_<GROUP>_<KEY>,",
            "for example BIFROST_SERVER_PORT or BIFROST_PORT.");

    private Main() {}

    public static void main(String[] args) {
        int status = run(args, System.getenv(), System.out, System.err);
        if (status != OK) {
            System.exit(status);
        }
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(HELP);
            return args.length == 0 ? USAGE : OK;
        }
        try {
            if (!List.of("serve", "token", "admin-token", "config").contains(args[0])) {
                throw new UsageException("unknown command '" + args[0] + "'");
            }
            Map<String, String> options = options(args);
            switch (args[0]) {
                case "serve":
                    return serve(options, env, out);
                case "token":
                    out.println(token(options, env));
                    return OK;
                case "admin-token":
                    out.println(adminToken(options, env));
                    return OK;
                case "config":
                    allow(options);
                    ConfigLoader.describeDefaults().forEach((key, value) ->
                            out.printf("%-28s %-36s %s%n", key, value.isEmpty() ? "\"\"" : value, ConfigLoader.envName(key)));
                    return OK;
                default:
                    throw new UsageException("unknown command '" + args[0] + "'");
            }
        } catch (UsageException e) {
            err.println("bifrost: " + e.getMessage());
            err.println(HELP);
            return USAGE;
        } catch (ConfigException e) {
            err.println("bifrost: " + e.getMessage());
            return USAGE;
        } catch (Exception e) {
            err.println("bifrost: " + e);
            return 1;
        }
    }

    private static int serve(Map<String, String> options, Map<String, String> env, PrintStream out) throws Exception {
        allow(options, "port", "config");
        Map<String, String> overrides = new HashMap<>();
        if (options.containsKey("port")) {
            overrides.put("server.port", options.get("port"));
        }
        BifrostConfig config = ConfigLoader.load(configFile(options, env), env, overrides);
        Bifrost node = Bifrost.create(config).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop();
            stopped.countDown();
        }, "bifrost-shutdown"));
        banner(node, config, out);
        stopped.await();
        return OK;
    }

    private static void banner(Bifrost node, BifrostConfig config, PrintStream out) {
        String host = config.server().host().equals("0.0.0.0") ? "localhost" : config.server().host();
        boolean tls = config.server().tls().enabled();
        String base = (tls ? "https://" : "http://") + host + ":" + node.port();
        String admin = node.adminPort() < 0 ? base : "http://" + config.server().adminHost() + ":" + node.adminPort();
        out.println();
        out.println("Bifrost is running on " + base);
        out.println("  websocket  " + (tls ? "wss://" : "ws://") + host + ":" + node.port() + "/rtc?access_token=<token>");
        out.println("  health     " + base + "/healthz   metrics " + admin + "/metrics   REST API " + admin + "/api/v1");
        node.devTokenIssuer().ifPresent(issuer -> {
            String token = issuer.issue(TokenRequest.builder(DEMO_ROOM, "dev-user").name("Dev User")
                    .role(Role.HOST).ttl(BANNER_TOKEN_TTL).build());
            if (config.server().demoPage()) {
                out.println("  demo       " + base + "/?room=" + DEMO_ROOM + "   (open it in two tabs)");
            }
            out.println();
            out.println("Development token (room '" + DEMO_ROOM + "', identity 'dev-user', host, valid 24h):");
            out.println(token);
            out.println();
            out.println("More tokens: ./bifrost token --room " + DEMO_ROOM + " --identity alice");
        });
        out.println();
        out.flush();
    }

    static String token(Map<String, String> options, Map<String, String> env) throws ConfigException, UsageException {
        allow(options, "room", "identity", "name", "role", "mode", "ttl", "metadata", "key-id", "config");
        String room = required(options, "room");
        String identity = required(options, "identity");
        Role role;
        RoomMode mode;
        Duration ttl;
        try {
            role = Role.fromWire(options.getOrDefault("role", "speaker"));
            mode = options.containsKey("mode") ? RoomMode.fromWire(options.get("mode")) : null;
            ttl = Durations.parse(options.getOrDefault("ttl", "1h"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (ttl.isZero()) {
            throw new UsageException("--ttl must be longer than 0s");
        }
        BifrostConfig config = ConfigLoader.load(configFile(options, env), env, Map.of());
        TokenIssuer issuer = signingIssuer(config, options.get("key-id"));
        return issuer.issue(TokenRequest.builder(room, identity).name(options.get("name")).role(role)
                .metadata(options.get("metadata")).roomMode(mode).ttl(ttl).build());
    }

    static String adminToken(Map<String, String> options, Map<String, String> env) throws ConfigException, UsageException {
        allow(options, "grants", "room", "ttl", "key-id", "config");
        List<String> grants = List.of(options.getOrDefault("grants", "roomCreate,roomList,roomAdmin").split(","));
        for (String grant : grants) {
            if (!List.of("roomCreate", "roomList", "roomAdmin").contains(grant.strip())) {
                throw new UsageException("--grants takes roomCreate, roomList and roomAdmin, separated by commas; not '"
                        + grant.strip() + "'");
            }
        }
        Duration ttl;
        try {
            ttl = Durations.parse(options.getOrDefault("ttl", "10m"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (ttl.isZero()) {
            throw new UsageException("--ttl must be longer than 0s");
        }
        AdminGrants requested = AdminGrants.of(grants.stream().anyMatch(g -> g.strip().equals("roomCreate")),
                grants.stream().anyMatch(g -> g.strip().equals("roomList")),
                grants.stream().anyMatch(g -> g.strip().equals("roomAdmin")));
        if (options.containsKey("room")) {
            requested = requested.forRoom(required(options, "room"));
        }
        BifrostConfig config = ConfigLoader.load(configFile(options, env), env, Map.of());
        return signingIssuer(config, options.get("key-id")).issueAdmin(requested, ttl);
    }

    private static TokenIssuer signingIssuer(BifrostConfig config, String keyId) throws ConfigException {
        BifrostConfig.Auth auth = config.auth();
        if (auth.developmentMode()) {
            try {
                DevKey key = DevKey.loadOrCreate(Bifrost.devKeyFile(config));
                return TokenIssuer.hmac(key.keyId(), key.secret()).withAudience(auth.audience());
            } catch (IOException e) {
                throw new ConfigException("cannot use the development key: " + e.getMessage());
            }
        }
        Map<String, String> keys = auth.hmacKeys();
        if (keys.isEmpty()) {
            throw new ConfigException("no auth.hmacKeys configured: this node verifies with public keys only; "
                    + "mint tokens with your private key (see docs/tokens.md)");
        }
        String kid = keyId;
        if (kid == null) {
            if (keys.size() > 1) {
                throw new ConfigException("several auth.hmacKeys are configured (" + String.join(", ", keys.keySet())
                        + "): choose one with --key-id");
            }
            kid = keys.keySet().iterator().next();
        }
        String secret = keys.get(kid);
        if (secret == null) {
            throw new ConfigException("no auth.hmacKeys entry '" + kid + "' (configured: " + String.join(", ", keys.keySet()) + ")");
        }
        return TokenIssuer.hmac(kid, secret.getBytes(StandardCharsets.UTF_8)).withAudience(auth.audience());
    }

    private static Path configFile(Map<String, String> options, Map<String, String> env) {
        String file = options.getOrDefault("config", env.get(ConfigLoader.CONFIG_FILE_ENV));
        return file == null || file.isBlank() ? null : Path.of(file);
    }

    /** {@code --name value} and {@code --name=value} pairs after the command. */
    private static Map<String, String> options(String[] args) throws UsageException {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                options.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (i + 1 < rest.size()) {
                options.put(arg.substring(2), rest.get(++i));
            } else {
                throw new UsageException("option " + arg + " needs a value");
            }
        }
        return options;
    }

    private static void allow(Map<String, String> options, String... names) throws UsageException {
        List<String> allowed = List.of(names);
        for (String name : options.keySet()) {
            if (!allowed.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    private static String required(Map<String, String> options, String name) throws UsageException {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
