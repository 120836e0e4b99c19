package io.bifrost.signaling.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bifrost.auth.TokenException;
import io.bifrost.auth.WebhookEvent;
import io.bifrost.auth.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.ToIntFunction;

/**
 * An app backend's webhook endpoint on a loopback port: answers each POST with the status
 * {@link #answer} picks, and keeps every delivery attempt with whether its signature verified
 * against {@link TestNode}'s key.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One POST as it arrived. */
    public record Delivery(JsonNode body, byte[] raw, String signature, int answered, WebhookEvent verified, String refusal) {
        public String event() {
            return body.path("event").asText();
        }

        public String room() {
            return body.path("room").asText();
        }

        public String id() {
            return body.path("id").asText();
        }

        public JsonNode participant() {
            return body.path("participant");
        }
    }

    private final HttpServer server;
    private final WebhookVerifier verifier = WebhookVerifier.hmac(TestNode.KEY_ID,
            TestNode.SECRET.getBytes(StandardCharsets.UTF_8));
    private final List<Delivery> deliveries = new ArrayList<>();
    private volatile ToIntFunction<JsonNode> answer = body -> 200;

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    public static WebhookReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        WebhookReceiver receiver = new WebhookReceiver(server);
        server.createContext("/hooks", receiver::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return receiver;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    /** @param answer the status to answer a body with, e.g. 503 while the backend is "down" */
    public void answer(ToIntFunction<JsonNode> answer) {
        this.answer = answer;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        WebhookEvent verified = null;
        String refusal = null;
        String signature = exchange.getRequestHeaders().getFirst(WebhookVerifier.HEADER);
        try {
            verified = verifier.verify(signature, body);
        } catch (TokenException e) {
            refusal = e.toString();
        }
        JsonNode json = JSON.readTree(body);
        int status = answer.applyAsInt(json);
        synchronized (this) {
            deliveries.add(new Delivery(json, body, signature, status, verified, refusal));
            notifyAll();
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /** Every delivery attempt for the room so far, in arrival order. */
    public synchronized List<Delivery> attempts(String room) {
        return deliveries.stream().filter(d -> d.room().equals(room)).toList();
    }

    /** The room's accepted deliveries (2xx) once there are {@code count}; fails after {@code timeout}. */
    public List<Delivery> accepted(String room, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                List<Delivery> accepted = deliveries.stream()
                        .filter(d -> d.room().equals(room) && d.answered() / 100 == 2).toList();
                long left = deadline - System.nanoTime();
                if (accepted.size() >= count || left <= 0) {
                    if (accepted.size() < count) {
                        throw new AssertionError("room " + room + ": " + accepted.size() + " of " + count
                                + " webhooks accepted within " + timeout + ": " + events(accepted)
                                + "; all attempts: " + events(attempts(room)));
                    }
                    return accepted;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** The event names, for messages. */
    public static List<String> events(List<Delivery> deliveries) {
        List<String> names = new ArrayList<>();
        for (Delivery d : deliveries) {
            names.add(d.event() + (d.participant().isMissingNode() ? "" : "(" + d.participant().path("identity").asText() + ")"));
        }
        return names;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
