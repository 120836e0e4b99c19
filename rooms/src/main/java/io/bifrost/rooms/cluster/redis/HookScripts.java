package io.bifrost.rooms.cluster.redis;

/**
 * The Lua scripts of hook delivery. KEYS: the room's hooks stream, the room's hook lease (both
 * tagged with the room, so one slot). ARGV[1] is always the node asking.
 */
final class HookScripts {
    private HookScripts() {}

    /**
     * The oldest hook, if the node still holds the lease, which it extends. ARGV: node, lease
     * milliseconds. Returns {0} when the lease is another's or gone, {1} when there is no hook,
     * else {1, entry id, hook JSON}.
     */
    static final Script HEAD = new Script("""
            if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {0} end
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
            if #entries == 0 then return {1} end
            return {1, entries[1][1], entries[1][2][2]}
            """);

    /** ARGV: node, lease milliseconds. Returns 1 while the node holds the lease, which it extends, else 0. */
    static final Script RENEW = new Script("""
            if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            return 1
            """);

    /**
     * Lets go of a drained room. ARGV: node. Returns 0 when hooks came meanwhile (the node keeps
     * the lease and goes on), else 1: the lease was another's or is given up, with the empty stream.
     * Checking and giving up in one step means a hook recorded after the check finds no lease
     * and its node takes the room.
     */
    static final Script RELEASE = new Script("""
            if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 1 end
            if redis.call('XLEN', KEYS[1]) > 0 then return 0 end
            redis.call('DEL', KEYS[2], KEYS[1])
            return 1
            """);

    /** Gives the lease up at once, hooks or not, for a stopping node. ARGV: node. */
    static final Script ABANDON = new Script("""
            if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
            return 1
            """);

    static final Script[] ALL = {HEAD, RENEW, RELEASE, ABANDON};
}
