package io.bifrost.sfu.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Janus's own Admin API (its WebSocket, subprotocol {@code janus-admin-protocol}): what Janus
 * holds, seen from Janus rather than from the bridge, so that a test can tell a handle the
 * bridge forgot from one it let go. One connection per request: tests ask rarely.
 */
public final class JanusAdminApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final URI uri;
    private final String adminSecret;
    private final String adminKey;

    JanusAdminApi(URI uri, String adminSecret, String adminKey) {
        this.uri = uri;
        this.adminSecret = adminSecret;
        this.adminKey = adminKey;
    }

    /** Every session on the Janus, each with how many plugin handles it has attached. */
    public Map<Long, Integer> handlesBySession() {
        Map<Long, Integer> handles = new LinkedHashMap<>();
        for (JsonNode session : request(message("list_sessions")).path("sessions")) {
            long id = session.asLong();
            ObjectNode listHandles = message("list_handles").put("session_id", id);
            try {
                handles.put(id, request(listHandles).path("handles").size());
            } catch (Refused gone) {
                // the session ended between the two requests: it holds nothing any more
            }
        }
        return handles;
    }

    /** Plugin handles over all sessions. */
    public int handles() {
        return handlesBySession().values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The VideoRoom's rooms (its {@code list}, asked with the admin key so that private ones show too). */
    public Set<String> videoRooms() {
        ObjectNode list = message("message_plugin").put("plugin", "janus.plugin.videoroom");
        list.putObject("request").put("request", "list").put("admin_key", adminKey);
        Set<String> rooms = new HashSet<>();
        request(list).path("response").path("list").forEach(room -> rooms.add(room.path("room").asText()));
        return rooms;
    }

    private ObjectNode message(String janus) {
        return JSON.createObjectNode().put("janus", janus).put("admin_secret", adminSecret);
    }

    /** Sends one request and returns Janus's {@code success} reply; an {@code error} reply throws. */
    private JsonNode request(ObjectNode message) {
        String transaction = UUID.randomUUID().toString();
        message.put("transaction", transaction);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        WebSocket ws;
        try {
            ws = HTTP.newWebSocketBuilder().subprotocols("janus-admin-protocol").connectTimeout(TIMEOUT)
                    .buildAsync(uri, new Listener(transaction, reply)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot reach Janus's admin API at " + uri + ": " + e, e);
        }
        try {
            ws.sendText(message.toString(), true);
            JsonNode answer = reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!"success".equals(answer.path("janus").asText())) {
                throw new Refused("Janus's admin API refused " + message.path("janus").asText() + ": " + answer);
            }
            return answer;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Janus's admin API did not answer " + message.path("janus").asText() + ": " + e, e);
        } finally {
            ws.abort();
        }
    }

    /** Janus answered with an error. */
    private static final class Refused extends IllegalStateException {
        Refused(String message) {
            super(message);
        }
    }

    /** Collects text frames and completes with the first reply that carries the transaction. */
    private static final class Listener implements WebSocket.Listener {
        private final String transaction;
        private final CompletableFuture<JsonNode> reply;
        private final StringBuilder text = new StringBuilder();

        Listener(String transaction, CompletableFuture<JsonNode> reply) {
            this.transaction = transaction;
            this.reply = reply;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode frame = JSON.readTree(text.toString());
                    if (transaction.equals(frame.path("transaction").asText())) {
                        reply.complete(frame);
                    }
                } catch (Exception e) {
                    reply.completeExceptionally(e);
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            reply.completeExceptionally(error);
        }
    }
}
