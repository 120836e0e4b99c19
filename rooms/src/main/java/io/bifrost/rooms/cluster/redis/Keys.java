package io.bifrost.rooms.cluster.redis;

/**
 * Every Redis key Bifrost uses. Each key carries a hash tag, so that the keys one script
 * touches share a Redis Cluster slot: a room's keys are tagged with the room, a node's with the
 * node, and the registry's with {@code cluster}.
 */
final class Keys {
    private static final String PREFIX = "bifrost:{";

    private Keys() {}

    /** Hash: participant id → the participant as JSON (with {@code joinSeq}, for join order). */
    static String members(String room) {
        return room(room, "members");
    }

    /** Hash: participant id → "{node} {session id}": where the participant is connected. */
    static String where(String room) {
        return room(room, "where");
    }

    /** Hash: session id → participant id, for resume. */
    static String sessions(String room) {
        return room(room, "sessions");
    }

    /** Hash: node id → how many of the room's participants it holds; the nodes that get its events. */
    static String nodes(String room) {
        return room(room, "nodes");
    }

    /** String: the room's last {@code seq}. */
    static String seq(String room) {
        return room(room, "seq");
    }

    /** Stream, capped: the room's events; entry id {@code <seq>-0}, field {@code e} the event as JSON. */
    static String events(String room) {
        return room(room, "events");
    }

    /** String: the room's mode ({@code mesh} or {@code broadcast}), set by the join that creates the room. */
    static String mode(String room) {
        return room(room, "mode");
    }

    /**
     * Hash: how the app's backend created the room ({@code mode}, {@code capacity},
     * {@code metadata}); absent for rooms made by a join. Unlike the others it outlives the
     * room's last participant: the room stays until the backend deletes it.
     */
    static String settings(String room) {
        return room(room, "settings");
    }

    /** Hash: identity → the id of its latest participant, so that a join finds its duplicate without a scan. */
    static String identities(String room) {
        return room(room, "identities");
    }

    /**
     * Stream: the room's hooks not yet delivered as webhooks, oldest first; field {@code h} the
     * hook as JSON. Like settings it outlives the room's last participant, until delivered.
     */
    static String hooks(String room) {
        return room(room, "hooks");
    }

    /** String, expiring: the node delivering the room's hooks; one at a time, so they leave in order. */
    static String hookLease(String room) {
        return room(room, "hook-lease");
    }

    /** The keys the room scripts take, in this order; all but settings and hooks go when the room empties. */
    static String[] roomKeys(String room) {
        return new String[] {members(room), where(room), sessions(room), nodes(room), seq(room), events(room), mode(room),
                settings(room), identities(room)};
    }

    /** The keys of a room whose scripts record hooks: {@link #roomKeys} and the hooks. */
    static String[] roomKeysWithHooks(String room) {
        return new String[] {members(room), where(room), sessions(room), nodes(room), seq(room), events(room), mode(room),
                settings(room), identities(room), hooks(room)};
    }

    /**
     * Set: rooms that may have hooks to deliver (a superset), where a node looks for rooms whose
     * delivering node stopped.
     */
    static final String HOOK_ROOMS = "bifrost:{cluster}:hook-rooms";

    /** String, expiring with its token: a join token whose participant left or was removed (auth.reuseAfterLeave). */
    static String spentToken(String tokenId) {
        return "bifrost:{token:" + tokenId + "}:spent";
    }

    /**
     * Hash, expiring with its last token: token id → expiry of the tokens a session's earlier
     * nodes admitted it with or sent it, to be spent when it ends on the node it resumed on.
     */
    static String handedOnTokens(String sessionId) {
        return "bifrost:{session:" + sessionId + "}:tokens";
    }

    /** String, expiring: the session ended; tokens handed on to it from now on are spent at once. */
    static String sessionEnded(String sessionId) {
        return "bifrost:{session:" + sessionId + "}:ended";
    }

    /** Stream, capped: webhooks given up after the retry budget, for operators to inspect and replay. */
    static final String DEAD_HOOKS = "bifrost:{cluster}:hooks-dead";

    /**
     * Sorted set: room → when a join or the backend last touched it, in milliseconds. A superset
     * of the rooms that exist, for listing them; entries of rooms long gone are dropped as they are listed.
     */
    static final String ROOMS = "bifrost:{cluster}:rooms";

    /**
     * Stream, capped and trimmed as it is read: what other nodes send this node. Field {@code k}
     * says what an entry is: {@code e} a room event, {@code s} a signal.
     */
    static String inbox(String node) {
        return node(node, "inbox");
    }

    /** Set: the rooms in which the node holds participants (a superset), for cleaning up after it dies. */
    static String nodeRooms(String node) {
        return node(node, "rooms");
    }

    /** Sorted set: node id → its last heartbeat, in Redis server milliseconds. */
    static final String REGISTRY = "bifrost:{cluster}:nodes";

    /** String: when the registry was last checked for dead nodes, in Redis server milliseconds. */
    static final String REGISTRY_CHECKED = "bifrost:{cluster}:checked";

    /** String: until when dead nodes are not looked for, after Redis itself stalled. */
    static final String REGISTRY_QUIET_UNTIL = "bifrost:{cluster}:quiet-until";

    private static String room(String room, String what) {
        return PREFIX + "room:" + room + "}:" + what;
    }

    private static String node(String node, String what) {
        return PREFIX + "node:" + node + "}:" + what;
    }
}
