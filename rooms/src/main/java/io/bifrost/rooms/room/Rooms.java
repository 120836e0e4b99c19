package io.bifrost.rooms.room;

import io.bifrost.auth.RoomMode;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where rooms live: {@link LocalRooms} in this node's memory, or a cluster implementation
 * shared by every node. A room exists while it has participants.
 */
public interface Rooms extends AutoCloseable {

    /**
     * Admits a participant to a room, creating the room if needed.
     *
     * @param sessionId the session a client may later resume with
     * @param mode the room's mode if this join creates the room; an existing room keeps its own
     * @param member hears the outcome: {@code joined} or {@code refused}
     */
    void join(String room, Participant participant, String sessionId, RoomMode mode, RoomMember member);

    /**
     * Takes a participant back after its connection dropped: it keeps its id and nobody saw it
     * leave. Refused when the session is unknown (expired, left, never existed) or belongs to
     * another identity.
     *
     * @param member hears the outcome: {@code resumed} or {@code resumeRefused}
     */
    void resume(String room, String sessionId, String identity, RoomMember member);

    /** A cheap early check, before a connection is upgraded; the room decides for real on join. */
    boolean isFull(String room);

    /** The most participants one room admits. */
    int capacity();

    // ------------------------------------------------------------------ the app's backend (REST API)
    // Every node answers for every room: a cluster implementation reads and changes the shared state.
    // A future fails with a RoomException for a refusal (NOT_FOUND, CONFLICT…), with anything else for a fault.

    /** Every room: those with participants and those the backend created. */
    CompletionStage<List<RoomInfo>> list();

    /** The room, or empty when it does not exist. */
    CompletionStage<Optional<RoomInfo>> info(String room);

    /** Creates a room that stays until deleted; {@code CONFLICT} when the room exists. */
    CompletionStage<RoomInfo> create(String room, RoomSettings settings);

    /** Removes every participant ({@code room-deleted}) and forgets the room; {@code NOT_FOUND} when it does not exist. */
    CompletionStage<Void> delete(String room);

    /** The room's participants in join order, hidden ones included; {@code NOT_FOUND} when the room does not exist. */
    CompletionStage<List<Participant>> participants(String room);

    /** Removes a participant, whose session is told why and closes; {@code NOT_FOUND} when it is not in the room. */
    CompletionStage<Participant> remove(String room, String participantId);

    /**
     * Changes a participant on the backend's authority (role, mute, permissions, metadata);
     * completes with its new state.
     */
    CompletionStage<Participant> change(String room, String participantId, ParticipantChange change);

    /** Posts a chat message from the backend (sender {@link #SERVER}) to everyone in the room; completes with its {@code seq}. */
    CompletionStage<Long> post(String room, String text, long timestamp);

    /** Sends a message from the backend to one participant only; {@code NOT_FOUND} when it is not in the room. */
    CompletionStage<Void> message(String room, String participantId, String text);

    /** The sender of what the app's backend posts: no participant id looks like it. */
    String SERVER = "server";

    @Override
    void close();

    /**
     * Hears that a room's last participant left, once per time the room empties, on the node
     * that removed it: what a room held outside Bifrost (an SFU's broadcast) can go.
     */
    @FunctionalInterface
    interface Emptied {
        Emptied NONE = (room, mode) -> { };

        /** Must not block. */
        void emptied(String room, RoomMode mode);
    }
}
