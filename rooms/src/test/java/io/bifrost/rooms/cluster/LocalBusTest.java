package io.bifrost.rooms.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.bifrost.auth.Role;
import io.bifrost.rooms.room.LeaveReason;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.rooms.room.RoomEvent.ChatPosted;
import io.bifrost.rooms.room.RoomEvent.ParticipantJoined;
import io.bifrost.rooms.room.RoomEvent.ParticipantLeft;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalBusTest {
    private static final Participant BOB =
            new Participant("p_0b8n3c5v2zrt", "bob", "Bob", Role.SPEAKER, Role.SPEAKER.defaultGrants(), "");

    private final LocalBus bus = new LocalBus();

    @AfterEach
    void close() {
        bus.close();
    }

    @Test
    void eventsReachTheSubscribersOfTheirRoomOnly() {
        List<RoomEvent> demo = new ArrayList<>();
        List<RoomEvent> stage = new ArrayList<>();
        bus.subscribe("demo", demo::add);
        bus.subscribe("stage", stage::add);
        RoomEvent joined = new ParticipantJoined("demo", 1, BOB);
        RoomEvent chat = new ChatPosted("stage", 7, "p_7d2kq9x1m4vh", "hello", 1_795_338_000_000L);

        bus.publish(joined);
        bus.publish(chat);
        bus.publish(new ChatPosted("elsewhere", 1, "p_7d2kq9x1m4vh", "nobody listens", 1L));

        assertThat(demo).containsExactly(joined);
        assertThat(stage).containsExactly(chat);
    }

    @Test
    void everySubscriberOfARoomGetsEveryEventInOrder() {
        List<RoomEvent> first = new ArrayList<>();
        List<RoomEvent> second = new ArrayList<>();
        bus.subscribe("demo", first::add);
        bus.subscribe("demo", second::add);
        List<RoomEvent> published = List.of(new ParticipantJoined("demo", 1, BOB),
                new ChatPosted("demo", 2, BOB.id(), "hi", 1L), new ParticipantLeft("demo", 3, BOB.id(), LeaveReason.LEFT));

        published.forEach(bus::publish);

        assertThat(first).isEqualTo(published);
        assertThat(second).isEqualTo(published);
    }

    @Test
    void anEventPublishedBeforeSubscribingIsNotReplayed() {
        bus.publish(new ParticipantJoined("demo", 1, BOB));
        List<RoomEvent> late = new ArrayList<>();

        bus.subscribe("demo", late::add);

        assertThat(late).isEmpty();
    }

    @Test
    void anUnsubscribedListenerHearsNothingMoreWhileTheOthersStillDo() {
        List<RoomEvent> leaving = new ArrayList<>();
        List<RoomEvent> staying = new ArrayList<>();
        ClusterBus.Subscription subscription = bus.subscribe("demo", leaving::add);
        bus.subscribe("demo", staying::add);
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        subscription.close();
        bus.publish(new ParticipantLeft("demo", 2, BOB.id(), LeaveReason.LEFT));

        assertThat(leaving).hasSize(1);
        assertThat(staying).hasSize(2);
    }

    @Test
    void closingASubscriptionTwiceLeavesTheOtherSubscriptionsAlone() {
        List<RoomEvent> staying = new ArrayList<>();
        ClusterBus.Subscription subscription = bus.subscribe("demo", e -> { });
        bus.subscribe("demo", staying::add);

        subscription.close();
        subscription.close();
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(staying).hasSize(1);
    }

    /*
     * When one listener object is subscribed twice, closing the first subscription twice must not
     * end the second one: ClusterBus.Subscription promises that closing twice is harmless.
     */
    @Test
    void closingASubscriptionTwiceKeepsASecondSubscriptionOfTheSameListener() {
        List<RoomEvent> heard = new ArrayList<>();
        Consumer<RoomEvent> listener = heard::add;
        ClusterBus.Subscription first = bus.subscribe("demo", listener);
        bus.subscribe("demo", listener);

        first.close();
        first.close();
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(heard).as("the second subscription still delivers").hasSize(1);
    }

    @Test
    void aFailingListenerDoesNotKeepTheEventFromTheOthers() {
        List<RoomEvent> heard = new ArrayList<>();
        bus.subscribe("demo", e -> {
            throw new IllegalStateException("a broken session");
        });
        bus.subscribe("demo", heard::add);

        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(heard).hasSize(1);
    }

    @Test
    void sendDeliversASignalToTheRecipientsInbox() {
        List<Signal> inbox = new ArrayList<>();
        bus.registerInbox(BOB.id(), inbox::add);
        Signal offer = new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.OFFER, "v=0\r\n");

        boolean delivered = bus.send(offer);

        assertThat(delivered).isTrue();
        assertThat(inbox).containsExactly(offer);
    }

    @Test
    void sendReturnsFalseWhenTheRecipientHasNoInbox() {
        List<Signal> otherInbox = new ArrayList<>();
        bus.registerInbox("p_7d2kq9x1m4vh", otherInbox::add);

        boolean delivered = bus.send(new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.CANDIDATE, null));

        assertThat(delivered).isFalse();
        assertThat(otherInbox).isEmpty();
    }

    @Test
    void sendReturnsFalseOnceTheInboxIsClosed() {
        List<Signal> inbox = new ArrayList<>();
        ClusterBus.Subscription registration = bus.registerInbox(BOB.id(), inbox::add);

        registration.close();
        boolean delivered = bus.send(new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.ANSWER, "v=0\r\n"));

        assertThat(delivered).isFalse();
        assertThat(inbox).isEmpty();
    }

    @Test
    void closingAReplacedInboxRegistrationKeepsTheNewInbox() {
        List<Signal> oldInbox = new ArrayList<>();
        List<Signal> newInbox = new ArrayList<>();
        ClusterBus.Subscription old = bus.registerInbox(BOB.id(), oldInbox::add);
        bus.registerInbox(BOB.id(), newInbox::add);

        old.close();
        boolean delivered = bus.send(new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.OFFER, "v=0\r\n"));

        assertThat(delivered).isTrue();
        assertThat(newInbox).hasSize(1);
        assertThat(oldInbox).isEmpty();
    }

    @Test
    void closingTheBusDropsEverySubscriberAndInbox() {
        List<RoomEvent> heard = new ArrayList<>();
        bus.subscribe("demo", heard::add);
        bus.registerInbox(BOB.id(), s -> { });

        bus.close();
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(heard).isEmpty();
        assertThat(bus.send(new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.OFFER, "v=0\r\n"))).isFalse();
    }
}
