package io.bifrost.rooms.hooks;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The hooks rooms recorded and nobody delivered yet, one ordered queue per room. A node delivers
 * a room's hooks only while it holds the room, so that one room's hooks leave one at a time, in
 * order, however many nodes there are.
 */
public interface HookQueue extends AutoCloseable {

    /**
     * Starts handing out rooms: {@code held} hears each room this node now holds and must deliver,
     * until {@link #release} lets it go. Must not block.
     */
    void start(Consumer<String> held);

    /** The room's oldest hook, or empty when it has none or this node no longer holds the room. */
    CompletionStage<Optional<QueuedHook>> head(String room);

    /** Keeps holding the room through a long delivery; false when this node lost it. */
    CompletionStage<Boolean> renew(String room);

    /** The hook was delivered (or dead-lettered): it goes. */
    CompletionStage<Void> remove(String room, QueuedHook hook);

    /**
     * Keeps a webhook that could not be delivered within the retry budget where an operator
     * finds it.
     *
     * @param body the webhook as it was posted
     * @param why the last failure
     */
    CompletionStage<Void> deadLetter(String room, String event, String body, String why);

    /**
     * Lets go of a room that seems drained: true when it is let go (nothing left, or no longer
     * this node's), false when hooks came meanwhile and the holder must go on.
     */
    CompletionStage<Boolean> release(String room);

    /** Hooks queued on this node that no other node could deliver if it stopped now. */
    int pendingHere();

    @Override
    void close();
}
