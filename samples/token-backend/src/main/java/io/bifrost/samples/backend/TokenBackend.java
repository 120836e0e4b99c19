package io.bifrost.samples.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.auth.TokenException;
import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.TokenRequest;
import io.bifrost.auth.WebhookEvent;
import io.bifrost.auth.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * An app backend for Bifrost in one class, the part of an app that Bifrost does not do: it
 * knows the users (here: anyone who gives a name), decides who may do what in which room (the
 * creator of a room hosts it, everyone else listens), mints their join tokens with the
 * {@code auth} jar, creates rooms through Bifrost's REST API, and receives the webhooks Bifrost
 * sends, verifying each. It serves the audio room web app too.
 *
 * <p>Run it with {@code BIFROST_SECRET} (and {@code BIFROST_KEY_ID}) set to a key of Bifrost's
 * {@code auth.hmacKeys}, and Bifrost's {@code webhooks.url} pointing at its {@code /webhooks}.
 */
public final class TokenBackend implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TokenBackend.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration JOIN_TOKEN_TTL = Duration.ofHours(2);
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int WEBHOOKS_KEPT = 200;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BackendConfig config;
    private final TokenIssuer issuer;
    private final WebhookVerifier webhooks;
    private final HttpClient http = HttpClient.newHttpClient();
    private final HttpServer server;
    private final Map<String, User> sessions = new ConcurrentHashMap<>();
    /** Room → the identity that created it, its host. */
    private final Map<String, String> hosts = new ConcurrentHashMap<>();
    private final Deque<WebhookEvent> received = new ArrayDeque<>(); // guarded by itself

    /** Who is logged in. */
    record User(String identity, String name) {}

    private TokenBackend(BackendConfig config) throws IOException {
        this.config = config;
        byte[] secret = config.secret().getBytes(StandardCharsets.UTF_8);
        this.issuer = TokenIssuer.hmac(config.keyId(), secret);
        this.webhooks = WebhookVerifier.hmac(config.keyId(), secret);
        this.server = HttpServer.create(new InetSocketAddress(config.port()), 0);
        server.createContext("/", this::route);
        server.setExecutor(Executors.newFixedThreadPool(8));
    }

    public static TokenBackend start(BackendConfig config) throws IOException {
        TokenBackend backend = new TokenBackend(config);
        backend.server.start();
        LOG.log(System.Logger.Level.INFO, "Token backend on http://localhost:" + backend.port() + ", Bifrost at " + config.bifrostUrl());
        return backend;
    }

    public static void main(String[] args) throws IOException {
        start(BackendConfig.fromEnvironment(System.getenv()));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void route(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            switch (method + " " + path) {
                case "POST /api/login" -> login(exchange);
                case "GET /api/me" -> send(exchange, 200, userJson(requireUser(exchange)));
                case "GET /api/config" -> send(exchange, 200, JSON.createObjectNode().put("bifrostUrl", config.bifrostUrl()));
                case "GET /api/rooms" -> listRooms(exchange);
                case "POST /api/rooms" -> createRoom(exchange);
                case "POST /api/token" -> token(exchange);
                case "POST /webhooks" -> receiveWebhook(exchange);
                case "GET /api/webhooks" -> send(exchange, 200, webhooksJson());
                case "GET /webhooks" -> sendHtml(exchange, webhooksPage());
                default -> {
                    if (method.equals("GET") && !path.startsWith("/api/")) {
                        staticFile(exchange, path);
                    } else {
                        throw new Refusal(404, "no " + method + " " + path);
                    }
                }
            }
        } catch (Refusal r) {
            send(exchange, r.status, JSON.createObjectNode().put("error", r.getMessage()));
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Request failed: " + e);
            send(exchange, 502, JSON.createObjectNode().put("error", "the request failed: " + e.getMessage()));
        } finally {
            exchange.close(); // after the catches: a refusal is still answered on it
        }
    }

    // ------------------------------------------------------------------ users

    private void login(HttpExchange exchange) throws IOException {
        String name = body(exchange).path("name").asText("").strip();
        if (name.isEmpty() || name.length() > 40) {
            throw new Refusal(400, "a name of 1 to 40 characters, please");
        }
        String slug = name.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        User user = new User((slug.isEmpty() ? "user" : slug) + "-" + random(2), name);
        String sid = random(16);
        sessions.put(sid, user);
        exchange.getResponseHeaders().add("Set-Cookie", "sid=" + sid + "; Path=/; HttpOnly; SameSite=Lax");
        send(exchange, 200, userJson(user));
    }

    private User requireUser(HttpExchange exchange) {
        String cookies = exchange.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String cookie : cookies.split(";\\s*")) {
                User user = cookie.startsWith("sid=") ? sessions.get(cookie.substring(4)) : null;
                if (user != null) {
                    return user;
                }
            }
        }
        throw new Refusal(401, "not logged in");
    }

    private static ObjectNode userJson(User user) {
        return JSON.createObjectNode().put("identity", user.identity()).put("name", user.name());
    }

    // ------------------------------------------------------------------ rooms and tokens

    private void listRooms(HttpExchange exchange) throws IOException, InterruptedException {
        requireUser(exchange);
        HttpResponse<String> rooms = bifrost("GET", "/api/v1/rooms", null);
        send(exchange, rooms.statusCode(), JSON.readTree(rooms.body()));
    }

    /** Creates a broadcast room through the REST API; its creator hosts it. */
    private void createRoom(HttpExchange exchange) throws IOException, InterruptedException {
        User user = requireUser(exchange);
        String room = body(exchange).path("name").asText("").strip();
        if (!room.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new Refusal(400, "a room name is 1 to 64 letters, digits, dots, dashes or underscores");
        }
        ObjectNode request = JSON.createObjectNode().put("name", room).put("mode", RoomMode.BROADCAST.wireName());
        HttpResponse<String> created = bifrost("POST", "/api/v1/rooms", request.toString());
        JsonNode answer = JSON.readTree(created.body());
        if (created.statusCode() != 201) {
            throw new Refusal(created.statusCode(), answer.path("message").asText("room " + room + " could not be created"));
        }
        hosts.put(room, user.identity());
        send(exchange, 201, answer);
    }

    /** The decision an app backend exists for: who joins which room with which role. */
    private void token(HttpExchange exchange) throws IOException {
        User user = requireUser(exchange);
        String room = body(exchange).path("room").asText("");
        if (room.isEmpty()) {
            throw new Refusal(400, "which room?");
        }
        Role role = user.identity().equals(hosts.get(room)) ? Role.HOST : Role.LISTENER;
        String token = issuer.issue(TokenRequest.builder(room, user.identity()).name(user.name()).role(role)
                .roomMode(RoomMode.BROADCAST).ttl(JOIN_TOKEN_TTL).build());
        send(exchange, 200, JSON.createObjectNode().put("token", token).put("role", role.wireName())
                .put("bifrostUrl", config.bifrostUrl()));
    }

    /** Calls Bifrost's REST API with a short-lived admin token. */
    private HttpResponse<String> bifrost(String method, String path, String body) throws IOException, InterruptedException {
        String admin = issuer.issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(1));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(config.bifrostApiUrl() + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + admin);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------ webhooks

    /** Keeps a webhook whose signature holds; anything else is refused and changes nothing. */
    private void receiveWebhook(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange);
        WebhookEvent event;
        try {
            event = webhooks.verify(exchange.getRequestHeaders().getFirst(WebhookVerifier.HEADER), body);
        } catch (TokenException e) {
            throw new Refusal(401, "webhook refused: " + e.reason().code());
        }
        synchronized (received) {
            if (received.stream().noneMatch(seen -> seen.id().equals(event.id()))) { // delivery is at least once
                received.addFirst(event);
                if (received.size() > WEBHOOKS_KEPT) {
                    received.removeLast();
                }
            }
        }
        exchange.sendResponseHeaders(204, -1);
    }

    /** The latest webhooks, newest first. */
    List<WebhookEvent> webhooks() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    private JsonNode webhooksJson() {
        ObjectNode json = JSON.createObjectNode();
        var list = json.putArray("webhooks");
        webhooks().forEach(event -> list.add(JSON.valueToTree(event.body())));
        return json;
    }

    private String webhooksPage() {
        StringBuilder rows = new StringBuilder();
        for (WebhookEvent event : webhooks()) {
            Object participant = event.body().get("participant");
            String who = participant instanceof Map<?, ?> p ? String.valueOf(p.get("name")) : "";
            rows.append("<tr><td>").append(event.createdAt()).append("</td><td>").append(escape(event.event()))
                    .append("</td><td>").append(escape(event.room())).append("</td><td>").append(escape(who)).append("</td></tr>\n");
        }
        return "<!doctype html><html><head><meta charset=utf-8><title>Webhooks</title><meta http-equiv=refresh content=3>"
                + "<style>body{font:14px system-ui;margin:2em}td,th{padding:.3em 1em;text-align:left}</style></head><body>"
                + "<h1>Webhooks from Bifrost</h1><p>Verified, newest first; this page refreshes itself.</p>"
                + "<table><tr><th>when</th><th>event</th><th>room</th><th>participant</th></tr>\n" + rows + "</table></body></html>";
    }

    // ------------------------------------------------------------------ HTTP plumbing

    private void staticFile(HttpExchange exchange, String path) throws IOException {
        Path root = config.webRoot().toAbsolutePath().normalize();
        Path file = root.resolve(path.equals("/") ? "index.html" : path.substring(1)).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
            file = root.resolve("index.html"); // the app routes itself
        }
        if (!Files.isRegularFile(file)) {
            throw new Refusal(404, "no web app at " + root + ": build samples/audio-room-web (npm ci && npm run build)");
        }
        exchange.getResponseHeaders().set("Content-Type", contentType(file.getFileName().toString()));
        byte[] bytes = Files.readAllBytes(file);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) return "text/html; charset=utf-8";
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        if (name.endsWith(".svg")) return "image/svg+xml";
        if (name.endsWith(".json")) return "application/json";
        return "application/octet-stream";
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        try {
            JsonNode json = JSON.readTree(readBody(exchange));
            return json == null ? JSON.createObjectNode() : json;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Refusal(400, "the body is not JSON");
        }
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new Refusal(413, "the body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    private static void send(HttpExchange exchange, int status, JsonNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void sendHtml(HttpExchange exchange, String html) throws IOException {
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String random(int bytes) {
        byte[] value = new byte[bytes];
        RANDOM.nextBytes(value);
        return HexFormat.of().formatHex(value);
    }

    /** A request refused with a status and a reason for the user. */
    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
