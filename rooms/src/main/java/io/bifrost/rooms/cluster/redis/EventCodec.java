package io.bifrost.rooms.cluster.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.hooks.RoomHook;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.RoomEvent;
import java.io.UncheckedIOException;

/**
 * Room events and participants as they are kept in Redis: JSON without {@code seq}, which the
 * stream entry id carries. The leave and update events written by scripts follow the same shape.
 */
final class EventCodec {
    private final ObjectMapper json = new ObjectMapper();

    String encode(RoomEvent event) {
        ObjectNode node = json.createObjectNode();
        if (event instanceof RoomEvent.ParticipantJoined joined) {
            node.put("t", "joined").set("p", participantNode(joined.participant()));
        } else if (event instanceof RoomEvent.ParticipantLeft left) {
            node.put("t", "left").put("id", left.participantId()).put("reason", left.reason().wireName());
        } else if (event instanceof RoomEvent.ParticipantUpdated updated) {
            node.put("t", "updated").put("change", updated.change()).set("p", participantNode(updated.participant()));
        } else {
            RoomEvent.ChatPosted chat = (RoomEvent.ChatPosted) event;
            node.put("t", "chat").put("from", chat.from()).put("text", chat.text()).put("ts", chat.timestamp());
        }
        return node.toString();
    }

    RoomEvent decode(String room, long seq, String text) {
        JsonNode node = read(text);
        switch (node.path("t").asText()) {
            case "joined":
                return new RoomEvent.ParticipantJoined(room, seq, participant(node.path("p")));
            case "left":
                return new RoomEvent.ParticipantLeft(room, seq, node.path("id").asText(),
                        LeaveReason.fromWire(node.path("reason").asText()));
            case "updated":
                return new RoomEvent.ParticipantUpdated(room, seq, participant(node.path("p")), node.path("change").asText());
            case "chat":
                return new RoomEvent.ChatPosted(room, seq, node.path("from").asText(), node.path("text").asText(),
                        node.path("ts").asLong());
            default:
                throw new IllegalArgumentException("room " + room + " event " + seq + " has an unknown type: " + text);
        }
    }

    /**
     * A hook as the room scripts record it: {@code {"t":"started","mode":…}}, {@code {"t":"finished"}},
     * {@code {"t":"joined","p":…}}, {@code {"t":"left","reason":…,"p":…}} or
     * {@code {"t":"changed","change":…,"before":…,"p":…}}, participants as stored.
     */
    RoomHook decodeHook(String room, String text) {
        JsonNode node = read(text);
        return switch (node.path("t").asText()) {
            case "started" -> new RoomHook.Started(RoomMode.fromWire(node.path("mode").asText()));
            case "finished" -> new RoomHook.Finished();
            case "joined" -> new RoomHook.Joined(participant(node.path("p")));
            case "left" -> new RoomHook.Left(participant(node.path("p")), LeaveReason.fromWire(node.path("reason").asText()));
            case "changed" -> new RoomHook.Changed(node.path("change").asText(), participant(node.path("before")),
                    participant(node.path("p")));
            default -> throw new IllegalArgumentException("room " + room + " has a hook of an unknown type: " + text);
        };
    }

    String encode(Participant participant) {
        return participantNode(participant).toString();
    }

    Participant participant(String text) {
        return participant(read(text));
    }

    /** The {@code seq} of the room when a stored member joined: its place in join order. */
    long joinSeq(String memberJson) {
        return read(memberJson).path("joinSeq").asLong();
    }

    String encode(Grants grants) {
        return grantsNode(json.createObjectNode(), grants).toString();
    }

    private ObjectNode participantNode(Participant p) {
        ObjectNode node = json.createObjectNode()
                .put("id", p.id()).put("identity", p.identity()).put("name", p.name())
                .put("role", p.role().wireName()).put("metadata", p.metadata())
                .put("handRaised", p.handRaised()).put("muted", p.muted()).put("publishing", p.publishing());
        grantsNode(node.putObject("grants"), p.grants());
        return node;
    }

    private static ObjectNode grantsNode(ObjectNode node, Grants g) {
        return node.put("canPublish", g.canPublish()).put("canSubscribe", g.canSubscribe())
                .put("canPublishData", g.canPublishData()).put("roomAdmin", g.roomAdmin()).put("hidden", g.hidden());
    }

    private static Participant participant(JsonNode node) {
        JsonNode g = node.path("grants");
        return new Participant(node.path("id").asText(), node.path("identity").asText(), node.path("name").asText(),
                Role.fromWire(node.path("role").asText()),
                new Grants(g.path("canPublish").asBoolean(), g.path("canSubscribe").asBoolean(),
                        g.path("canPublishData").asBoolean(), g.path("roomAdmin").asBoolean(), g.path("hidden").asBoolean()),
                node.path("metadata").asText(), node.path("handRaised").asBoolean(), node.path("muted").asBoolean(),
                node.path("publishing").asBoolean());
    }

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException("corrupt JSON in Redis: " + e.getOriginalMessage(), e);
        }
    }
}
