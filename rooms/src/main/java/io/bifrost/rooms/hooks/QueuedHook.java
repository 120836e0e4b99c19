package io.bifrost.rooms.hooks;

/**
 * A room's hook waiting for delivery.
 *
 * @param id unique among every room's hooks, the same each time the hook is handed out
 * @param createdAt when the room recorded it, in epoch milliseconds
 * @param ref where its queue keeps it (a stream entry), for the queue only
 */
public record QueuedHook(String id, long createdAt, RoomHook hook, String ref) {}
