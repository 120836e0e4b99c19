package io.bifrost.auth;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A verified webhook (see {@code docs/webhooks.md}).
 *
 * @param id unique per event: a receiver that sees an id again has the event already, because
 *     delivery is at least once
 * @param event {@code room-started}, {@code participant-joined}…
 * @param createdAt when it happened in the room
 * @param body the whole body as JSON: the fields above and those of the event
 */
public record WebhookEvent(String id, String event, String room, Instant createdAt, Map<String, Object> body) {
    public WebhookEvent {
        body = Collections.unmodifiableMap(new LinkedHashMap<>(body)); // JSON null is a value, which Map.copyOf refuses
    }
}
