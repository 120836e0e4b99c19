package io.bifrost.signaling.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bifrost.auth.Role;
import io.bifrost.auth.RoomMode;
import io.bifrost.rooms.hooks.QueuedHook;
import io.bifrost.rooms.hooks.RoomHook;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.signaling.webhooks.WebhookBodies.Body;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which webhooks each kind of hook makes, and their common fields. */
class WebhookBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Participant LISTENER = new Participant("p_1", "ann", "Ann", Role.LISTENER,
            Role.LISTENER.defaultGrants(), "{\"seat\":3}");
    private static final Participant SPEAKER = new ParticipantChange.RoleChanged(Role.SPEAKER).applyTo(LISTENER);
    private static final Participant PUBLISHING = new ParticipantChange.Publishing(true).applyTo(SPEAKER);

    @Test
    void everyWebhookCarriesItsIdEventRoomAndTime() throws Exception {
        JsonNode body = only(new RoomHook.Started(RoomMode.BROADCAST));

        assertThat(body.path("id").asText()).isEqualTo("h_1");
        assertThat(body.path("event").asText()).isEqualTo("room-started");
        assertThat(body.path("room").asText()).isEqualTo("demo");
        assertThat(body.path("createdAt").asLong()).isEqualTo(1_795_338_000_000L);
        assertThat(body.path("mode").asText()).isEqualTo("broadcast");
    }

    @Test
    void aParticipantIsShownAsTheRestApiShowsIt() throws Exception {
        JsonNode participant = only(new RoomHook.Joined(LISTENER)).path("participant");

        assertThat(participant.path("id").asText()).isEqualTo("p_1");
        assertThat(participant.path("identity").asText()).isEqualTo("ann");
        assertThat(participant.path("role").asText()).isEqualTo("listener");
        assertThat(participant.path("metadata").asText()).isEqualTo("{\"seat\":3}");
        assertThat(participant.path("permissions").path("canPublish").asBoolean(true)).isFalse();
    }

    @Test
    void aPromotionMakesRoleChangedThenTheLoweredHand() throws Exception {
        Participant raised = new ParticipantChange.HandRaised(true).applyTo(LISTENER);
        List<Body> bodies = bodies(new RoomHook.Changed("role", raised, SPEAKER));

        assertThat(bodies).extracting(Body::event).containsExactly("role-changed", "hand-raised");
        assertThat(json(bodies.get(0)).path("previousRole").asText()).isEqualTo("listener");
        assertThat(json(bodies.get(1)).path("raised").asBoolean(true)).isFalse();
        assertThat(bodies).extracting(Body::id).containsExactly("h_1", "h_1.1");
    }

    @Test
    void publishingMakesTrackEventsAndADemotionStopsIt() {
        assertThat(bodies(new RoomHook.Changed("publishing", SPEAKER, PUBLISHING))).extracting(Body::event)
                .containsExactly("track-published");
        Participant demoted = new ParticipantChange.RoleChanged(Role.LISTENER).applyTo(PUBLISHING);
        assertThat(bodies(new RoomHook.Changed("role", PUBLISHING, demoted))).extracting(Body::event)
                .containsExactly("role-changed", "track-unpublished");
    }

    @Test
    void leavingWhilePublishingUnpublishesFirst() throws Exception {
        List<Body> bodies = bodies(new RoomHook.Left(PUBLISHING, LeaveReason.NODE_FAILURE));

        assertThat(bodies).extracting(Body::event).containsExactly("track-unpublished", "participant-left");
        assertThat(json(bodies.get(1)).path("reason").asText()).isEqualTo("node-failure");
    }

    @Test
    void aChangeNoWebhookIsAboutMakesNone() {
        Participant muted = new ParticipantChange.Muted(true).applyTo(SPEAKER);

        assertThat(bodies(new RoomHook.Changed("mute", SPEAKER, muted))).isEmpty();
        assertThat(bodies(new RoomHook.Changed("metadata", SPEAKER,
                new ParticipantChange.MetadataChanged("{}").applyTo(SPEAKER)))).isEmpty();
    }

    private static List<Body> bodies(RoomHook hook) {
        return WebhookBodies.of("demo", new QueuedHook("h_1", 1_795_338_000_000L, hook, ""));
    }

    private static JsonNode only(RoomHook hook) throws Exception {
        List<Body> bodies = bodies(hook);
        assertThat(bodies).hasSize(1);
        return json(bodies.get(0));
    }

    private static JsonNode json(Body body) throws Exception {
        return JSON.readTree(body.json());
    }
}
