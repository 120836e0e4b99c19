package io.bifrost.signaling.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.Grants;
import io.bifrost.auth.Role;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.signaling.protocol.Codec;
import java.util.List;
import org.junit.jupiter.api.Test;

class AudienceTest {
    private static final String ROOM = "radio";
    private final Participant host = participant("host", Role.HOST);
    private long seq;

    @Test
    void listenersAreAnnouncedUntilThereAreMoreThanTheLimitAndNeverAgainAfter() {
        Audience audience = new Audience(2, new Codec(), List.of(host));
        assertThat(joined(audience, participant("ann", Role.LISTENER))).as("quiet").isFalse();
        assertThat(joined(audience, participant("bob", Role.LISTENER))).isFalse();
        assertThat(audience.listed()).isTrue();

        assertThat(joined(audience, participant("carl", Role.LISTENER))).as("the third listener makes it large").isTrue();
        assertThat(audience.listed()).isFalse();
        assertThat(left(audience, "bob")).isTrue();
        assertThat(left(audience, "carl")).isTrue();
        assertThat(audience.listed()).as("a large audience stays large").isFalse();
        assertThat(joined(audience, participant("sam", Role.SPEAKER))).as("speakers are always announced").isFalse();
        assertThat(left(audience, "sam")).isFalse();
    }

    @Test
    void aListenerWithItsHandUpIsShownAndItsLeaveAnnounced() {
        Participant ann = participant("ann", Role.LISTENER);
        Audience audience = new Audience(0, new Codec(), List.of(host, ann));
        assertThat(audience.listed()).isFalse();

        Participant raised = new ParticipantChange.HandRaised(true).applyTo(ann);
        assertThat(updated(audience, raised, "hand")).as("updates are always announced").isFalse();
        assertThat(Audience.shownWhenLarge(raised)).isTrue();
        assertThat(left(audience, "ann")).as("its leave is announced").isFalse();

        Participant bob = participant("bob", Role.LISTENER);
        joined(audience, bob);
        updated(audience, new ParticipantChange.RoleChanged(Role.SPEAKER).applyTo(bob), "role");
        assertThat(left(audience, "bob")).as("a promoted listener is a speaker").isFalse();
    }

    @Test
    void eventsOlderThanTheDecisionsKeptAreJudgedByWhatTheySay() {
        Audience audience = new Audience(0, new Codec(), List.of(host));
        Participant ann = participant("ann", Role.LISTENER);
        RoomEvent.ParticipantJoined old = new RoomEvent.ParticipantJoined(ROOM, 1, ann);
        seq = 5000;
        joined(audience, participant("bob", Role.LISTENER));

        assertThat(audience.quiet(old)).as("a listener's join").isTrue();
        assertThat(audience.quiet(new RoomEvent.ParticipantJoined(ROOM, 2, participant("sam", Role.SPEAKER)))).isFalse();
        assertThat(audience.quiet(new RoomEvent.ParticipantLeft(ROOM, 3, ann.id(), LeaveReason.LEFT)))
                .as("a leave of someone no longer known is announced; a client ignores it").isFalse();
    }

    @Test
    void hiddenParticipantsAreNotCounted() {
        Participant recorder = new Participant("p_recorder", "recorder", null, Role.LISTENER,
                new Grants(false, true, false, false, true), null);
        Audience audience = new Audience(0, new Codec(), List.of(host, recorder));
        assertThat(audience.listed()).as("no listener at all").isTrue();
    }

    @Test
    void itsFeedSubscriptionEndsWhenItIsRetiredWhicheverComesFirst() {
        boolean[] closed = new boolean[2];
        Audience early = new Audience(10, new Codec(), List.of(host));
        early.subscribed(() -> closed[0] = true);
        early.retire();
        Audience late = new Audience(10, new Codec(), List.of(host));
        late.retire(); // its last session left before its subscription was taken
        late.subscribed(() -> closed[1] = true);

        assertThat(closed).containsExactly(true, true);
    }

    private boolean joined(Audience audience, Participant p) {
        return decide(audience, new RoomEvent.ParticipantJoined(ROOM, ++seq, p));
    }

    private boolean left(Audience audience, String identity) {
        return decide(audience, new RoomEvent.ParticipantLeft(ROOM, ++seq, "p_" + identity, LeaveReason.LEFT));
    }

    private boolean updated(Audience audience, Participant p, String change) {
        return decide(audience, new RoomEvent.ParticipantUpdated(ROOM, ++seq, p, change));
    }

    /** Feeds the event as the room's feed does, then asks what a session would: is it quiet? */
    private static boolean decide(Audience audience, RoomEvent event) {
        audience.event(event);
        return audience.quiet(event);
    }

    private static Participant participant(String identity, Role role) {
        return new Participant("p_" + identity, identity, null, role, role.defaultGrants(), null);
    }
}
