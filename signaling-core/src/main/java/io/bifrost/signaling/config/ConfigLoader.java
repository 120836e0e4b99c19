package io.bifrost.signaling.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The one place that reads configuration. Sources, later ones winning: the defaults, a YAML
 * file, {@code BIFROST_*} environment variables, then command-line overrides. Unknown keys and
 * bad values are errors that name the key and its source, so a typo never goes unnoticed.
 *
 * <p>Every key {@code group.someKey} has the environment variable {@code BIFROST_GROUP_SOME_KEY};
 * maps are written {@code k1=v1,k2=v2} and lists {@code a,b}. {@code BIFROST_PORT} is short for
 * {@code BIFROST_SERVER_PORT}; {@code BIFROST_CONFIG} names the YAML file. Any variable may
 * instead end in {@code _FILE} and name a file holding the value (a container's or systemd's
 * secrets), e.g. {@code BIFROST_AUTH_HMAC_KEYS_FILE=/run/secrets/bifrost-keys}.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "BIFROST_";
    public static final String CONFIG_FILE_ENV = "BIFROST_CONFIG";
    private static final Map<String, String> ENV_ALIASES = Map.of("BIFROST_PORT", "server.port");
    /** A variable with this suffix names a file that holds the value. */
    private static final String FILE_SUFFIX = "_FILE";

    private final ObjectMapper json;
    private final ObjectMapper yaml;

    private ConfigLoader() {
        SimpleModule durations = new SimpleModule("durations")
                .addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
                    @Override
                    public void serialize(Duration value, JsonGenerator g, SerializerProvider p) throws IOException {
                        g.writeString(Durations.format(value));
                    }
                })
                .addDeserializer(Duration.class, new StdDeserializer<>(Duration.class) {
                    @Override
                    public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                        try {
                            return Durations.parse(p.getValueAsString(""));
                        } catch (IllegalArgumentException e) {
                            throw InvalidFormatException.from(p, e.getMessage(), p.getText(), Duration.class);
                        }
                    }
                });
        this.json = new ObjectMapper()
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        this.yaml = new ObjectMapper(new YAMLFactory());
    }

    /**
     * @param file the YAML file, or null for none
     * @param env the process environment (only {@code BIFROST_*} entries are read)
     * @param overrides dotted keys to values, from the command line
     */
    public static BifrostConfig load(Path file, Map<String, String> env, Map<String, String> overrides) throws ConfigException {
        return new ConfigLoader().read(file, env, overrides);
    }

    /** The defaults with a YAML document on top; for tests and embedding. */
    public static BifrostConfig fromYaml(String document) throws ConfigException {
        ConfigLoader loader = new ConfigLoader();
        ObjectNode tree = loader.defaultsTree();
        Map<String, String> sources = new LinkedHashMap<>();
        loader.mergeYaml(tree, document, "the YAML document", sources);
        return loader.bind(tree, sources);
    }

    /** Every configuration key with its default and environment variable; for the README's reference and `--help`. */
    public static Map<String, String> describeDefaults() {
        Map<String, String> keys = new TreeMap<>();
        collectLeaves(new ConfigLoader().defaultsTree(), "", keys);
        return keys;
    }

    public static String envName(String dottedKey) {
        return ENV_PREFIX + dottedKey.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
    }

    private BifrostConfig read(Path file, Map<String, String> env, Map<String, String> overrides) throws ConfigException {
        ObjectNode tree = defaultsTree();
        Map<String, String> sources = new LinkedHashMap<>();
        if (file != null) {
            String document;
            try {
                document = Files.readString(file);
            } catch (NoSuchFileException e) {
                throw new ConfigException("config file " + file + " does not exist");
            } catch (IOException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
            }
            mergeYaml(tree, document, file.toString(), sources);
        }
        applyEnvironment(tree, env, sources);
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            set(tree, o.getKey(), o.getValue(), "the command line");
            sources.put(o.getKey(), "the command line");
        }
        return bind(tree, sources);
    }

    private ObjectNode defaultsTree() {
        return json.valueToTree(BifrostConfig.defaults());
    }

    private void mergeYaml(ObjectNode tree, String document, String origin, Map<String, String> sources) throws ConfigException {
        JsonNode parsed;
        try {
            parsed = yaml.readTree(document);
        } catch (JsonProcessingException e) {
            throw new ConfigException("cannot parse " + origin + ": " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (parsed == null || parsed.isMissingNode() || parsed.isNull()) {
            return; // an empty file is a valid "all defaults"
        }
        if (!parsed.isObject()) {
            throw new ConfigException(origin + " must be a YAML mapping of groups (server, auth, rooms, limits, ice, redis, sfu, webhooks)");
        }
        merge(tree, (ObjectNode) parsed, "", origin, sources);
    }

    private static String describeDefault(JsonNode value) {
        return value.isTextual() ? value.textValue() : value.toString();
    }

    private static void merge(ObjectNode target, ObjectNode source, String prefix, String origin, Map<String, String> sources)
            throws ConfigException {
        for (Map.Entry<String, JsonNode> field : source.properties()) { // a loop rather than forEach: merge throws
            String key = prefix + field.getKey();
            JsonNode existing = target.get(field.getKey());
            if (field.getValue().isNull()) {
                if (existing instanceof ObjectNode && !isMapValued(key)) {
                    continue; // a group with everything under it commented out: its defaults stand
                }
                throw new ConfigException("config key '" + key + "' (from " + origin + ") has no value; "
                        + "remove it to keep the default" + (existing == null || existing.isNull() ? "" : " (" + describeDefault(existing) + ")"));
            }
            if (existing instanceof ObjectNode && field.getValue() instanceof ObjectNode && !existing.isEmpty()) {
                merge((ObjectNode) existing, (ObjectNode) field.getValue(), key + ".", origin, sources);
            } else {
                target.set(field.getKey(), field.getValue());
                sources.put(key, origin);
            }
        }
    }

    private void applyEnvironment(ObjectNode tree, Map<String, String> env, Map<String, String> sources) throws ConfigException {
        Map<String, String> known = new LinkedHashMap<>();
        for (String key : describeLeafKeys(tree)) {
            known.put(envName(key), key);
        }
        known.putAll(ENV_ALIASES);
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX) || name.equals(CONFIG_FILE_ENV)) {
                continue;
            }
            String value = e.getValue();
            if (name.endsWith(FILE_SUFFIX) && !known.containsKey(name)) {
                name = name.substring(0, name.length() - FILE_SUFFIX.length());
                if (env.containsKey(name)) {
                    throw new ConfigException(name + " and " + e.getKey() + " are both set; keep one");
                }
                value = secretFile(e.getKey(), value);
            }
            String key = known.get(name);
            if (key == null) {
                throw new ConfigException("unknown environment variable " + e.getKey() + suggestion(name, known.keySet()));
            }
            String canonical = envName(key);
            if (!canonical.equals(name) && env.containsKey(canonical) && !env.get(canonical).equals(e.getValue())) {
                throw new ConfigException(name + " (" + e.getValue() + ") and " + canonical + " (" + env.get(canonical)
                        + ") both set " + key + " to different values; keep one");
            }
            set(tree, key, value, e.getKey());
            sources.put(key, "environment variable " + e.getKey());
        }
    }

    /**
     * A value kept in a file, as container and systemd secrets are: the whole file but its
     * trailing line break. Only the file's name appears in errors, never what it holds.
     */
    private static String secretFile(String variable, String file) throws ConfigException {
        try {
            return Files.readString(Path.of(file)).replaceFirst("\\r?\\n$", "");
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(variable + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static List<String> describeLeafKeys(ObjectNode tree) {
        Map<String, String> leaves = new TreeMap<>();
        collectLeaves(tree, "", leaves);
        return new ArrayList<>(leaves.keySet());
    }

    /** Leaves are scalars, lists and maps (a map is set as a whole, e.g. {@code auth.hmacKeys}). */
    private static void collectLeaves(JsonNode node, String prefix, Map<String, String> out) {
        node.properties().forEach(f -> {
            String key = prefix + f.getKey();
            JsonNode value = f.getValue();
            if (value.isObject() && !isMapValued(key)) {
                collectLeaves(value, key + ".", out);
            } else {
                out.put(key, value.isTextual() ? value.textValue() : value.toString());
            }
        });
    }

    private static boolean isMapValued(String key) {
        return key.equals("auth.hmacKeys") || key.equals("auth.publicKeys");
    }

    /** Sets a dotted key from a string, shaped like its default (list, map or scalar). */
    private static void set(ObjectNode tree, String dottedKey, String value, String origin) throws ConfigException {
        String[] path = dottedKey.split("\\.");
        ObjectNode parent = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = parent.get(path[i]);
            if (!(child instanceof ObjectNode)) {
                throw new ConfigException("unknown config key '" + dottedKey + "' (from " + origin + ")"
                        + suggestion(dottedKey, describeLeafKeys(tree)));
            }
            parent = (ObjectNode) child;
        }
        String leaf = path[path.length - 1];
        JsonNode current = parent.get(leaf);
        if (current == null) {
            throw new ConfigException("unknown config key '" + dottedKey + "' (from " + origin + ")"
                    + suggestion(dottedKey, describeLeafKeys(tree)));
        }
        if (current.isArray()) {
            ArrayNode list = parent.putArray(leaf);
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    list.add(item.trim());
                }
            }
        } else if (current.isObject()) {
            ObjectNode map = parent.putObject(leaf);
            for (String entry : value.split(",")) {
                if (entry.isBlank()) {
                    continue;
                }
                int eq = entry.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException(origin + ": expected key=value pairs separated by commas for '" + dottedKey + "'");
                }
                map.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
        } else {
            parent.set(leaf, TextNode.valueOf(value)); // Jackson coerces "7800" to an int, "true" to a boolean
        }
    }

    private BifrostConfig bind(ObjectNode tree, Map<String, String> sources) throws ConfigException {
        BifrostConfig config;
        try {
            config = json.treeToValue(tree, BifrostConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String key = path(e);
            Set<String> known = e.getKnownPropertyIds().stream().map(Object::toString).collect(Collectors.toCollection(java.util.TreeSet::new));
            throw new ConfigException("unknown config key '" + key + "'" + from(sources, key)
                    + suggestion(e.getPropertyName(), known) + "; known keys here: " + String.join(", ", known));
        } catch (InvalidFormatException e) {
            String key = path(e);
            throw new ConfigException("bad value " + quote(e.getValue()) + " for config key '" + key + "'" + from(sources, key)
                    + ": expected " + describe(e.getTargetType()));
        } catch (MismatchedInputException e) {
            String key = path(e);
            throw new ConfigException("bad value for config key '" + key + "'" + from(sources, key)
                    + ": expected " + describe(e.getTargetType()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ConfigException("invalid configuration: " + e.getMessage());
        }
        ConfigValidator.validate(config, sources);
        return withDevKeyFile(config);
    }

    /** The development key's default home: the user's home, or the working directory when that is read-only. */
    private static BifrostConfig withDevKeyFile(BifrostConfig config) {
        BifrostConfig.Auth auth = config.auth();
        if (auth.devKeyFile() != null && !auth.devKeyFile().isBlank()) {
            return config;
        }
        Path home = Path.of(System.getProperty("user.home", "."));
        Path dir = Files.isWritable(home) ? home.resolve(".bifrost") : Path.of(".bifrost");
        BifrostConfig.Auth resolved = new BifrostConfig.Auth(auth.hmacKeys(), auth.publicKeys(), auth.jwksUrl(),
                auth.jwksCacheTtl(), auth.audience(), auth.clockSkew(), dir.resolve("dev-key").toString(), auth.reuseAfterLeave());
        return new BifrostConfig(config.server(), resolved, config.rooms(), config.limits(), config.ice(), config.redis(),
                config.sfu(), config.webhooks());
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    static String from(Map<String, String> sources, String key) {
        String origin = sources.get(key);
        int dot = key.lastIndexOf('.');
        if (origin == null && dot > 0) {
            return from(sources, key.substring(0, dot)); // an entry of a map set as a whole
        }
        return origin == null ? "" : " (from " + origin + ")";
    }

    private static String quote(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }

    private static String describe(Class<?> type) {
        if (type == null) return "another type";
        if (type == int.class || type == Integer.class || type == long.class) return "a whole number";
        if (type == boolean.class || type == Boolean.class) return "true or false";
        if (type == Duration.class) return "a duration such as 500ms, 10s, 5m or 1h";
        if (type == String.class) return "a string";
        if (List.class.isAssignableFrom(type)) return "a list";
        if (Map.class.isAssignableFrom(type)) return "a mapping";
        return "a " + type.getSimpleName();
    }

    /** A "did you mean" for near-miss names: most unknown keys are typos. */
    private static String suggestion(String name, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(name.toLowerCase(), candidate.toLowerCase());
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 4) ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
