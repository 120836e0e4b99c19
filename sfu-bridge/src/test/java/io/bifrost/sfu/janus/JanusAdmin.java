package io.bifrost.sfu.janus;

import static io.bifrost.sfu.janus.JanusProtocol.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.sfu.testing.JanusFixture;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A test's own session on a Janus, to check what the bridge left there. */
final class JanusAdmin implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final JanusFixture janus;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final JanusConnection connection;
    private final CompletableFuture<Void> up = new CompletableFuture<>();

    JanusAdmin(JanusFixture janus) {
        this.janus = janus;
        JanusConfig config = JanusConfig.of(List.of(janus.wsUri())).withSecrets(janus.apiSecret(), janus.adminKey());
        connection = new JanusConnection(janus.wsUri(), config, executor, HttpClient.newHttpClient(), new JanusConnection.Listener() {
            @Override
            public void onUp(JanusConnection node) {
                up.complete(null);
            }

            @Override
            public void onDown(JanusConnection node, String reason) {}

            @Override
            public void onHandleEvent(JanusConnection node, long handle, JsonNode message) {}
        });
        executor.execute(connection::start);
        get(up);
    }

    /**
     * The ids of the room's participants on this Janus ({@code listparticipants}): publishers,
     * whether their media is up or not, and remote publishers; empty if there is no such room.
     */
    Set<String> participants(String room) {
        if (!roomExists(room)) {
            return Set.of();
        }
        JsonNode data = request(JSON.createObjectNode().put("request", "listparticipants").put("room", room));
        Set<String> ids = new HashSet<>();
        data.path("participants").forEach(p -> ids.add(p.path("id").asText()));
        return ids;
    }

    /**
     * A remote publisher with one Opus stream: a feed whose media counts as up at once, which a
     * local publisher's only is after ICE and DTLS, so subscribers can be tested without a browser.
     */
    void addRemotePublisher(String room, String id) {
        ObjectNode body = JSON.createObjectNode().put("request", "add_remote_publisher").put("room", room).put("id", id);
        body.putArray("streams").addObject().put("type", "audio").put("mindex", 0).put("mid", "0").put("codec", "opus");
        request(body);
        // Janus answers before the publisher's thread has put it in the room
        Eventually.await(() -> participants(room).contains(id), WAIT, "remote publisher " + id + " appears in " + room);
    }

    boolean roomExists(String room) {
        return request(JSON.createObjectNode().put("request", "exists").put("room", room)).path("exists").asBoolean();
    }

    /** The remote ids a publisher is forwarded to from this Janus ({@code listremotes}). */
    JsonNode remotes(String room, String publisher) {
        ObjectNode body = JSON.createObjectNode().put("request", "listremotes").put("room", room).put("publisher_id", publisher);
        return request(body).path("list");
    }

    JsonNode request(ObjectNode body) {
        body.put("admin_key", janus.adminKey());
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        executor.execute(() -> connection.admin(body).whenComplete((r, e) -> {
            if (e != null) {
                reply.completeExceptionally(e);
            } else {
                reply.complete(r);
            }
        }));
        return get(reply);
    }

    private static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("Janus did not answer: " + e, e);
        }
    }

    @Override
    public void close() {
        CompletableFuture<Void> stopped = CompletableFuture.supplyAsync(connection::stop, executor).thenCompose(f -> f);
        try {
            stopped.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // the test is over; a session left behind expires on its own
        }
        executor.shutdownNow();
    }
}
