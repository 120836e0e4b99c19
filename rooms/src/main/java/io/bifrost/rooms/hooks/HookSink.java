package io.bifrost.rooms.hooks;

/** Where a room held in memory records its hooks, on the room's thread, in room order. */
@FunctionalInterface
public interface HookSink {
    /** For nodes without webhooks. */
    HookSink NONE = (room, hook) -> { };

    /** Must not block. */
    void add(String room, RoomHook hook);
}
