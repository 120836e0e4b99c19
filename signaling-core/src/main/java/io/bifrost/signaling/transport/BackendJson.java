package io.bifrost.signaling.transport;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.rooms.room.Participant;

/**
 * How the app's backend sees a participant, in REST answers and webhooks alike: the
 * {@code Participant} schema of {@code docs/openapi.json}.
 */
public final class BackendJson {
    private BackendJson() {}

    public static ObjectNode participant(Participant p) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", p.id());
        node.put("identity", p.identity());
        node.put("name", p.name());
        node.put("role", p.role().wireName());
        node.put("metadata", p.metadata());
        node.put("handRaised", p.handRaised());
        node.put("muted", p.muted());
        node.put("publishing", p.publishing());
        ObjectNode permissions = node.putObject("permissions");
        permissions.put("canPublish", p.grants().canPublish());
        permissions.put("canSubscribe", p.grants().canSubscribe());
        permissions.put("canPublishData", p.grants().canPublishData());
        permissions.put("roomAdmin", p.grants().roomAdmin());
        permissions.put("hidden", p.grants().hidden());
        return node;
    }
}
