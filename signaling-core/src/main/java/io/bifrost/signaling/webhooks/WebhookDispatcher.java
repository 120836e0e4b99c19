package io.bifrost.signaling.webhooks;

import io.bifrost.auth.TokenIssuer;
import io.bifrost.auth.WebhookVerifier;
import io.bifrost.rooms.hooks.HookQueue;
import io.bifrost.rooms.hooks.QueuedHook;
import io.bifrost.signaling.config.BifrostConfig;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.webhooks.WebhookBodies.Body;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the rooms' hooks to the app's backend: each room's in order, one at a time, every
 * room independently, so a slow room never holds up another. A webhook that fails is retried
 * with exponential backoff and jitter, then dead-lettered, and the room goes on with the next.
 * Everything runs on callbacks; no thread waits for a receiver.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    /** The pause before a room is tried again after its queue failed to answer (Redis unreachable). */
    private static final long QUEUE_RETRY_MILLIS = 1000;
    private static final long CLOSE_POLL_MILLIS = 20;

    private final HookQueue queue;
    private final URI url;
    private final TokenIssuer signer;
    private final BifrostConfig.Webhooks config;
    private final BifrostMetrics metrics;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    /** @param signer signs each body; its key is one the backend knows */
    public WebhookDispatcher(HookQueue queue, BifrostConfig.Webhooks config, TokenIssuer signer, BifrostMetrics metrics) {
        this.queue = queue;
        this.url = URI.create(config.url());
        this.signer = signer;
        this.config = config;
        this.metrics = metrics;
        // HTTP/1.1: a plain-HTTP receiver would otherwise be offered an h2c upgrade on every request.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout()).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bifrost-webhooks");
            thread.setDaemon(true);
            return thread;
        });
    }

    public WebhookDispatcher start() {
        log.info("Webhooks go to {}", url);
        queue.start(this::drain);
        return this;
    }

    /** Delivers the room's hooks until it has none left. */
    private void drain(String room) {
        if (closed) {
            return;
        }
        queue.head(room).whenComplete((head, failure) -> {
            if (failure != null) {
                queueFailed(room, "reading", failure);
            } else if (head.isEmpty()) {
                release(room);
            } else {
                deliver(room, head.get(), WebhookBodies.of(room, head.get()), 0);
            }
        });
    }

    private void release(String room) {
        queue.release(room).whenComplete((released, failure) -> {
            if (failure != null) {
                queueFailed(room, "releasing", failure);
            } else if (!released) {
                drain(room);
            }
        });
    }

    /** Posts the hook's webhooks from {@code next} on, then lets the hook go. */
    private void deliver(String room, QueuedHook hook, List<Body> bodies, int next) {
        if (next < bodies.size()) {
            attempt(room, hook, bodies, next, 1);
            return;
        }
        queue.remove(room, hook).whenComplete((removed, failure) -> {
            if (failure != null) {
                queueFailed(room, "removing a delivered hook from", failure);
            } else {
                drain(room);
            }
        });
    }

    private void attempt(String room, QueuedHook hook, List<Body> bodies, int index, int attempt) {
        if (closed) {
            return;
        }
        queue.renew(room).whenComplete((held, failure) -> {
            if (failure != null) {
                queueFailed(room, "renewing the lease of", failure);
            } else if (held) {
                Body body = bodies.get(index);
                post(body).whenComplete((status, error) -> {
                    if (error == null && status / 100 == 2) {
                        metrics.webhook("delivered");
                        deliver(room, hook, bodies, index + 1);
                    } else {
                        failed(room, hook, bodies, index, attempt, error == null ? "HTTP " + status : describe(error));
                    }
                });
            }
            // else another node holds the room now and delivers from where this one stopped
        });
    }

    private void failed(String room, QueuedHook hook, List<Body> bodies, int index, int attempt, String why) {
        Body body = bodies.get(index);
        if (attempt >= config.maxAttempts()) {
            metrics.webhook("dead");
            log.warn("Webhook {} ({}) of room {} failed {} times, last: {}; it is dead-lettered", body.id(), body.event(),
                    room, attempt, why);
            queue.deadLetter(room, body.event(), body.text(), why).whenComplete((kept, failure) -> {
                if (failure != null) {
                    log.error("Webhook {} of room {} could not be dead-lettered, it is lost: {}; body: {}", body.id(), room,
                            failure.toString(), body.text());
                }
                deliver(room, hook, bodies, index + 1);
            });
            return;
        }
        metrics.webhook("retried");
        long delay = backoffMillis(attempt);
        log.info("Webhook {} ({}) of room {} failed: {}; attempt {} of {} in {} ms", body.id(), body.event(), room, why,
                attempt + 1, config.maxAttempts(), delay);
        timer.schedule(() -> attempt(room, hook, bodies, index, attempt + 1), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * Doubles from the initial backoff up to the maximum, then takes a random point in its upper
     * half: receivers that failed together are not retried together.
     */
    private long backoffMillis(int attempt) {
        long initial = config.initialBackoff().toMillis();
        long ceiling = Math.min(config.maxBackoff().toMillis(), initial << Math.min(attempt - 1, 30));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    private CompletableFuture<Integer> post(Body body) {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Bifrost-Webhooks")
                .header(WebhookVerifier.HEADER, signer.signWebhook(body.json()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.json()))
                .build();
        try {
            return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void queueFailed(String room, String doing, Throwable failure) {
        log.warn("Room {}: {} its webhook queue failed ({}); trying again in {} ms", room, doing, describe(failure),
                QUEUE_RETRY_MILLIS);
        if (!closed) {
            timer.schedule(() -> drain(room), QUEUE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /**
     * Waits up to {@code grace} for the webhooks only this node holds (a single node's, in
     * memory) to go, then stops; what is left is counted and reported as lost. A cluster's stay
     * in Redis for the other nodes.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (queue.pendingHere() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(CLOSE_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closed = true;
        int lost = queue.pendingHere();
        if (lost > 0) {
            log.warn("{} webhook(s) were not delivered before the node stopped; they are lost", lost);
            for (int i = 0; i < lost; i++) {
                metrics.webhook("dropped");
            }
        }
        queue.close();
        timer.shutdownNow();
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
