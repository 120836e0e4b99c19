package io.bifrost.signaling.session;

import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.ParticipantChange;
import io.bifrost.rooms.room.Room;
import io.bifrost.rooms.room.RoomEvent;
import io.bifrost.sfu.Direction;
import io.bifrost.sfu.EndpointListener;
import io.bifrost.sfu.SfuBridge;
import io.bifrost.sfu.SfuEvent;
import io.bifrost.sfu.SfuException;
import io.bifrost.signaling.protocol.ClientMessage;
import io.bifrost.signaling.protocol.ErrorCode;
import io.bifrost.signaling.protocol.ServerMessage;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's media in a broadcast room: its publisher and its subscription on the SFU. The
 * subscription follows the room: it receives every publishing participant but this one, and is
 * renegotiated one offer at a time as speakers come and go, so a client never has two offers
 * from the SFU open at once.
 *
 * <p>Threads: requests come on the transport thread, room events on the room's (or the cluster
 * client's), SFU results and events on the bridge's; the state below is guarded by {@code this}.
 */
final class BroadcastMedia {
    private static final Logger log = LoggerFactory.getLogger(BroadcastMedia.class);

    /** How the session talks to its client. */
    interface Client {
        void send(ServerMessage message);

        void fail(String id, ErrorCode code, String message);
    }

    private final SfuBridge sfu; // null when the node has no SFU configured
    private final Room room;
    private final String self;
    private final Client client;

    private final Set<String> publishers = new TreeSet<>(); // the others publishing, by participant id
    private boolean canSubscribe;
    private boolean publishing;     // this participant's publisher exists on the SFU
    private boolean muted;
    private boolean offerOut;       // an SFU offer waits for the client's answer
    private boolean stale;          // the publishers changed while an offer was out
    private boolean subscribed;
    private boolean closed;

    BroadcastMedia(SfuBridge sfu, Room room, Participant self, Client client) {
        this.sfu = sfu;
        this.room = room;
        this.self = self.id();
        this.client = client;
        this.canSubscribe = self.grants().canSubscribe();
        this.muted = self.muted();
    }

    /** Starts the subscription to whoever publishes already. */
    void start(Iterable<Participant> others) {
        synchronized (this) {
            for (Participant p : others) {
                if (p.publishing()) {
                    publishers.add(p.id());
                }
            }
        }
        resubscribe();
    }

    // ------------------------------------------------------------------ client requests

    void publish(ClientMessage.Offer offer, Participant current) {
        if (!current.grants().canPublish()) {
            client.fail(offer.id(), ErrorCode.FORBIDDEN, "listeners may not publish in room " + room.name()
                    + "; raise your hand and a host may promote you");
            return;
        }
        if (sfu == null) {
            client.fail(offer.id(), ErrorCode.SFU_UNAVAILABLE, "this server has no SFU for broadcast rooms");
            return;
        }
        sfu.open(room.name())
                .thenCompose(v -> sfu.publish(room.name(), self, offer.sdp(), events(Direction.PUBLISH)))
                .whenComplete((answer, failure) -> {
                    if (failure != null) {
                        refuse(offer.id(), "publishing", failure);
                        return;
                    }
                    boolean muteNow;
                    synchronized (this) {
                        if (closed) {
                            sfu.unpublish(room.name(), self);
                            return;
                        }
                        publishing = true;
                        muteNow = muted;
                    }
                    client.send(new ServerMessage.FromSfu("answer", offer.id(), ClientMessage.PUBLISHER, answer));
                    if (muteNow) {
                        sfu.mute(room.name(), self, true);
                    }
                    // The room hears of it once media flows: the SFU offers no publisher before that.
                });
    }

    void unpublish(String id) {
        boolean was;
        synchronized (this) {
            was = publishing;
            publishing = false;
        }
        if (was && sfu != null) {
            sfu.unpublish(room.name(), self);
        }
        room.update(self, self, new ParticipantChange.Publishing(false), seq -> ack(id),
                refusal -> client.fail(id, SignalingSession.code(refusal), refusal.getMessage()));
    }

    void answer(ClientMessage.Answer answer) {
        if (sfu == null) {
            client.fail(answer.id(), ErrorCode.SFU_UNAVAILABLE, "this server has no SFU for broadcast rooms");
            return;
        }
        sfu.answer(room.name(), self, answer.sdp()).whenComplete((v, failure) -> {
            if (failure != null) {
                refuse(answer.id(), "answering the SFU's offer", failure);
            } else {
                ack(answer.id());
            }
            boolean again;
            synchronized (this) {
                offerOut = false;
                again = stale;
                stale = false;
            }
            if (again) {
                resubscribe();
            }
        });
    }

    void candidate(ClientMessage.Candidate candidate) {
        if (sfu == null) {
            client.fail(candidate.id(), ErrorCode.SFU_UNAVAILABLE, "this server has no SFU for broadcast rooms");
            return;
        }
        Direction direction = ClientMessage.PUBLISHER.equals(candidate.target()) ? Direction.PUBLISH : Direction.SUBSCRIBE;
        sfu.trickle(room.name(), self, direction, candidate.candidate()).whenComplete((v, failure) -> {
            if (failure != null) {
                refuse(candidate.id(), "passing a candidate", failure);
            } else {
                ack(candidate.id());
            }
        });
    }

    // ------------------------------------------------------------------ room events

    /** Follows the room: who publishes, and what the room decided about this participant. */
    void onEvent(RoomEvent event) {
        boolean changed;
        synchronized (this) {
            if (event instanceof RoomEvent.ParticipantLeft left) {
                changed = publishers.remove(left.participantId());
            } else if (event instanceof RoomEvent.ParticipantUpdated updated) {
                Participant p = updated.participant();
                if (p.id().equals(self)) {
                    selfUpdated(p);
                    return;
                }
                changed = p.publishing() ? publishers.add(p.id()) : publishers.remove(p.id());
            } else {
                return;
            }
        }
        if (changed) {
            resubscribe();
        }
    }

    /** A demoted speaker stops publishing; a muted one is cut at the SFU, whatever its client does. */
    private void selfUpdated(Participant p) {
        canSubscribe = p.grants().canSubscribe();
        if (publishing && !p.grants().canPublish()) {
            publishing = false;
            if (sfu != null) {
                sfu.unpublish(room.name(), self);
            }
        }
        if (muted != p.muted()) {
            muted = p.muted();
            if (publishing && sfu != null) {
                sfu.mute(room.name(), self, muted);
            }
        }
    }

    /** Lets go of everything this session has on the SFU. */
    void close() {
        boolean unpublish;
        boolean unsubscribe;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            unpublish = publishing;
            unsubscribe = subscribed || offerOut;
            publishing = false;
        }
        if (sfu == null) {
            return;
        }
        if (unpublish) {
            sfu.unpublish(room.name(), self);
        }
        if (unsubscribe) {
            sfu.unsubscribe(room.name(), self);
        }
    }

    // ------------------------------------------------------------------ subscription

    private void resubscribe() {
        Set<String> wanted;
        synchronized (this) {
            if (closed || sfu == null || !canSubscribe) {
                return;
            }
            if (offerOut) {
                stale = true;
                return;
            }
            offerOut = true;
            subscribed = true;
            wanted = Set.copyOf(publishers);
        }
        sfu.open(room.name())
                .thenCompose(v -> sfu.subscribe(room.name(), self, wanted, events(Direction.SUBSCRIBE)))
                .whenComplete(this::subscribeAnswered);
    }

    private void subscribeAnswered(Optional<String> offer, Throwable failure) {
        if (failure != null || offer.isEmpty()) {
            boolean again;
            synchronized (this) {
                offerOut = false;
                again = stale && failure == null;
                stale = false;
            }
            if (failure != null) {
                refuse(null, "receiving the room's speakers", failure);
            } else if (again) {
                resubscribe();
            }
            return;
        }
        client.send(new ServerMessage.FromSfu("offer", null, ClientMessage.SUBSCRIBER, offer.get()));
    }

    private EndpointListener events(Direction direction) {
        return event -> {
            if (event instanceof SfuEvent.Offer offer) {
                synchronized (this) {
                    offerOut = true;
                }
                client.send(new ServerMessage.FromSfu("offer", null, ClientMessage.SUBSCRIBER, offer.sdp()));
            } else if (event instanceof SfuEvent.Candidate candidate) {
                client.send(new ServerMessage.FromSfu("candidate", null, target(direction), candidate.candidateJson()));
            } else if (event instanceof SfuEvent.MediaChanged media && direction == Direction.PUBLISH && media.flowing()) {
                announcePublishing(true);
            } else if (event instanceof SfuEvent.RepublishNeeded republish) {
                synchronized (this) {
                    publishing = false;
                }
                // Subscribers drop it now and take it again once it flows on its new SFU node.
                announcePublishing(false);
                client.send(new ServerMessage.SfuReset(ClientMessage.PUBLISHER, republish.reason()));
            } else if (event instanceof SfuEvent.Unavailable unavailable) {
                lost(direction);
                client.fail(null, ErrorCode.SFU_UNAVAILABLE, unavailable.reason());
            } else {
                log.debug("{} in room {}: {}", self, room.name(), event);
            }
        };
    }

    /**
     * The bridge gave an endpoint up and holds nothing of it any more. A publisher: the room
     * hears that this participant no longer publishes, as its listeners do not hear it either. A
     * subscription: the next change of publishers offers a new one, rather than waiting for an
     * answer to an offer the SFU forgot.
     */
    private void lost(Direction direction) {
        boolean wasPublishing = false;
        synchronized (this) {
            if (direction == Direction.PUBLISH) {
                wasPublishing = publishing;
                publishing = false;
            } else {
                subscribed = false;
                offerOut = false;
                stale = false;
            }
        }
        if (wasPublishing) {
            announcePublishing(false);
        }
    }

    private void announcePublishing(boolean on) {
        room.update(self, self, new ParticipantChange.Publishing(on), seq -> { },
                refusal -> log.warn("{} in room {}: the room refused publishing={}: {}", self, room.name(), on,
                        refusal.getMessage()));
    }

    private static String target(Direction direction) {
        return direction == Direction.PUBLISH ? ClientMessage.PUBLISHER : ClientMessage.SUBSCRIBER;
    }

    private void ack(String id) {
        if (id != null) {
            client.send(new ServerMessage.Ack(id, null));
        }
    }

    private void refuse(String id, String what, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof SfuException e) {
            ErrorCode code = switch (e.reason()) {
                case NOT_FOUND -> ErrorCode.NOT_FOUND;
                case REFUSED -> ErrorCode.BAD_REQUEST;
                default -> ErrorCode.SFU_UNAVAILABLE;
            };
            log.info("{} in room {}: {} failed: {}", self, room.name(), what, e.getMessage());
            client.fail(id, code, what + " failed: " + e.getMessage());
        } else {
            log.error("{} in room {}: {} failed", self, room.name(), what, cause);
            client.fail(id, ErrorCode.INTERNAL, what + " failed");
        }
    }
}
