package io.bifrost.rooms.cluster;

import static io.bifrost.rooms.cluster.RecordingListener.Ready.COMPLETE;
import static io.bifrost.rooms.cluster.RecordingListener.Ready.INCOMPLETE;
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
    /** Small, so that a test can publish past it. */
    private static final int HISTORY_LIMIT = 3;

    private final LocalBus bus = new LocalBus(HISTORY_LIMIT);

    @AfterEach
    void close() {
        bus.close();
    }

    @Test
    void eventsReachTheSubscribersOfTheirRoomOnly() {
        List<RoomEvent> demo = new ArrayList<>();
        List<RoomEvent> stage = new ArrayList<>();
        bus.subscribe("demo", 0, demo::add);
        bus.subscribe("stage", 6, stage::add);
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
        bus.subscribe("demo", 0, first::add);
        bus.subscribe("demo", 0, second::add);
        List<RoomEvent> published = List.of(new ParticipantJoined("demo", 1, BOB),
                new ChatPosted("demo", 2, BOB.id(), "hi", 1L), new ParticipantLeft("demo", 3, BOB.id(), LeaveReason.LEFT));

        published.forEach(bus::publish);

        assertThat(first).isEqualTo(published);
        assertThat(second).isEqualTo(published);
    }

    @Test
    void aSubscriberHearsReadyBeforeAnyEvent() {
        RecordingListener listener = new RecordingListener();

        bus.subscribe("demo", 0, listener);
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(listener.heard()).containsExactly(COMPLETE, new ParticipantJoined("demo", 1, BOB));
    }

    @Test
    void anEventPublishedWhileNobodyListensToTheRoomIsNotKept() {
        bus.publish(new ParticipantJoined("demo", 1, BOB));
        RecordingListener late = new RecordingListener();

        bus.subscribe("demo", 1, late);
        bus.publish(new ChatPosted("demo", 2, BOB.id(), "hi", 1L));

        assertThat(late.heard()).containsExactly(COMPLETE, new ChatPosted("demo", 2, BOB.id(), "hi", 1L));
    }

    @Test
    void aSubscriberStartingBehindIsReplayedTheEventsItMissedThenHearsTheNewOnes() {
        bus.subscribe("demo", 0, e -> { });
        bus.publish(new ParticipantJoined("demo", 1, BOB));
        bus.publish(new ChatPosted("demo", 2, BOB.id(), "one", 1L));
        bus.publish(new ChatPosted("demo", 3, BOB.id(), "two", 2L));
        RecordingListener behind = new RecordingListener();

        bus.subscribe("demo", 1, behind);
        bus.publish(new ChatPosted("demo", 4, BOB.id(), "three", 3L));

        assertThat(behind.heard()).containsExactly(COMPLETE,
                new ChatPosted("demo", 2, BOB.id(), "one", 1L),
                new ChatPosted("demo", 3, BOB.id(), "two", 2L),
                new ChatPosted("demo", 4, BOB.id(), "three", 3L));
    }

    @Test
    void aSubscriberFurtherBehindThanTheHistoryLimitIsToldAndHearsNothing() {
        bus.subscribe("demo", 0, e -> { });
        for (long seq = 1; seq <= HISTORY_LIMIT + 1; seq++) {
            bus.publish(new ChatPosted("demo", seq, BOB.id(), "m" + seq, seq));
        }
        RecordingListener tooLate = new RecordingListener();

        bus.subscribe("demo", 0, tooLate);
        bus.publish(new ChatPosted("demo", HISTORY_LIMIT + 2, BOB.id(), "later", 9L));

        assertThat(tooLate.heard()).containsExactly(INCOMPLETE);
    }

    @Test
    void aSubscriberAheadOfTheBusHearsOnlyTheEventsAfterItsStart() {
        bus.subscribe("demo", 0, e -> { });
        List<RoomEvent> ahead = new ArrayList<>();

        bus.subscribe("demo", 2, ahead::add);
        bus.publish(new ParticipantJoined("demo", 1, BOB));
        bus.publish(new ChatPosted("demo", 2, BOB.id(), "before", 1L));
        bus.publish(new ChatPosted("demo", 3, BOB.id(), "after", 2L));

        assertThat(ahead).containsExactly(new ChatPosted("demo", 3, BOB.id(), "after", 2L));
    }

    @Test
    void anEventPublishedTwiceIsDeliveredOnce() {
        List<RoomEvent> heard = new ArrayList<>();
        bus.subscribe("demo", 0, heard::add);

        bus.publish(new ParticipantJoined("demo", 1, BOB));
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(heard).containsExactly(new ParticipantJoined("demo", 1, BOB));
    }

    @Test
    void anUnsubscribedListenerHearsNothingMoreWhileTheOthersStillDo() {
        List<RoomEvent> leaving = new ArrayList<>();
        List<RoomEvent> staying = new ArrayList<>();
        ClusterBus.Subscription subscription = bus.subscribe("demo", 0, leaving::add);
        bus.subscribe("demo", 0, staying::add);
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        subscription.close();
        bus.publish(new ParticipantLeft("demo", 2, BOB.id(), LeaveReason.LEFT));

        assertThat(leaving).hasSize(1);
        assertThat(staying).hasSize(2);
    }

    @Test
    void closingASubscriptionTwiceLeavesTheOtherSubscriptionsAlone() {
        List<RoomEvent> staying = new ArrayList<>();
        ClusterBus.Subscription subscription = bus.subscribe("demo", 0, e -> { });
        bus.subscribe("demo", 0, staying::add);

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
        RoomListener listener = heard::add;
        ClusterBus.Subscription first = bus.subscribe("demo", 0, listener);
        bus.subscribe("demo", 0, listener);

        first.close();
        first.close();
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(heard).as("the second subscription still delivers").hasSize(1);
    }

    @Test
    void aRoomIsForgottenOnceItsLastSubscriptionCloses() {
        ClusterBus.Subscription only = bus.subscribe("demo", 0, e -> { });
        bus.publish(new ParticipantJoined("demo", 1, BOB));
        only.close();
        bus.publish(new ChatPosted("demo", 2, BOB.id(), "to nobody", 1L));
        RecordingListener next = new RecordingListener();

        bus.subscribe("demo", 0, next);

        assertThat(next.heard()).as("nothing kept for a room nobody listened to").containsExactly(COMPLETE);
    }

    @Test
    void theBusCountsTheRoomsItsSubscribersListenTo() {
        ClusterBus.Subscription demo = bus.subscribe("demo", 0, e -> { });
        bus.subscribe("demo", 0, e -> { });
        bus.subscribe("stage", 0, e -> { });

        int both = bus.rooms();
        demo.close();

        assertThat(both).isEqualTo(2);
        assertThat(bus.rooms()).as("demo still has a subscriber").isEqualTo(2);
    }

    @Test
    void aFailingListenerDoesNotKeepTheEventFromTheOthers() {
        List<RoomEvent> heard = new ArrayList<>();
        bus.subscribe("demo", 0, e -> {
            throw new IllegalStateException("a broken session");
        });
        bus.subscribe("demo", 0, heard::add);

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

    /* A resumed session registers again with the same listener object: closing the old registration keeps it. */
    @Test
    void closingAnInboxRegistrationReplacedByTheSameInboxKeepsIt() {
        List<Signal> inbox = new ArrayList<>();
        Consumer<Signal> sameInbox = inbox::add;
        ClusterBus.Subscription old = bus.registerInbox(BOB.id(), sameInbox);
        bus.registerInbox(BOB.id(), sameInbox);

        old.close();
        boolean delivered = bus.send(new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.OFFER, "v=0\r\n"));

        assertThat(delivered).isTrue();
        assertThat(inbox).hasSize(1);
    }

    @Test
    void closingTheBusDropsEverySubscriberAndInbox() {
        List<RoomEvent> heard = new ArrayList<>();
        bus.subscribe("demo", 0, heard::add);
        bus.registerInbox(BOB.id(), s -> { });

        bus.close();
        bus.publish(new ParticipantJoined("demo", 1, BOB));

        assertThat(heard).isEmpty();
        assertThat(bus.send(new Signal("demo", "p_7d2kq9x1m4vh", BOB.id(), Signal.Kind.OFFER, "v=0\r\n"))).isFalse();
    }
}
