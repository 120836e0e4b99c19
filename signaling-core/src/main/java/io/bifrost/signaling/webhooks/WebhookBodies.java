package io.bifrost.signaling.webhooks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.rooms.hooks.QueuedHook;
import io.bifrost.rooms.hooks.RoomHook;
import io.bifrost.rooms.room.Participant;
import io.bifrost.signaling.transport.BackendJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The webhooks a room's hook makes (see {@code docs/webhooks.md}): none, one, or a few in a fixed
 * order, e.g. a publishing participant that leaves makes {@code track-unpublished}, then
 * {@code participant-left}. Each has an id of its own, the same on every delivery.
 */
final class WebhookBodies {
    private WebhookBodies() {}

    /** A webhook ready to post. */
    record Body(String id, String event, byte[] json) {
        String text() {
            return new String(json, StandardCharsets.UTF_8);
        }
    }

    static List<Body> of(String room, QueuedHook queued) {
        List<ObjectNode> events = new ArrayList<>(2);
        RoomHook hook = queued.hook();
        if (hook instanceof RoomHook.Started started) {
            events.add(event("room-started").put("mode", started.mode().wireName()));
        } else if (hook instanceof RoomHook.Finished) {
            events.add(event("room-finished"));
        } else if (hook instanceof RoomHook.Joined joined) {
            events.add(event("participant-joined", joined.participant()));
        } else if (hook instanceof RoomHook.Left left) {
            if (left.participant().publishing()) {
                events.add(event("track-unpublished", left.participant()));
            }
            events.add(event("participant-left", left.participant()).put("reason", left.reason().wireName()));
        } else {
            RoomHook.Changed changed = (RoomHook.Changed) hook;
            changed(events, changed.before(), changed.after());
        }
        List<Body> bodies = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            String id = i == 0 ? queued.id() : queued.id() + "." + i;
            ObjectNode common = JsonNodeFactory.instance.objectNode()
                    .put("id", id).put("event", events.get(i).get("event").asText()).put("room", room)
                    .put("createdAt", queued.createdAt());
            common.setAll(events.get(i));
            bodies.add(new Body(id, common.get("event").asText(), common.toString().getBytes(StandardCharsets.UTF_8)));
        }
        return bodies;
    }

    private static void changed(List<ObjectNode> events, Participant before, Participant after) {
        if (before.role() != after.role()) {
            events.add(event("role-changed", after).put("previousRole", before.role().wireName()));
        }
        if (before.publishing() != after.publishing()) {
            events.add(event(after.publishing() ? "track-published" : "track-unpublished", after));
        }
        if (before.handRaised() != after.handRaised()) {
            events.add(event("hand-raised", after).put("raised", after.handRaised()));
        }
    }

    private static ObjectNode event(String name) {
        return JsonNodeFactory.instance.objectNode().put("event", name);
    }

    private static ObjectNode event(String name, Participant participant) {
        ObjectNode node = event(name);
        node.set("participant", BackendJson.participant(participant));
        return node;
    }
}
