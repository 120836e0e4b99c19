package io.bifrost.rooms.cluster.redis;

/**
 * The Lua scripts that change a room. Each runs atomically on the room's keys (one hash tag, so
 * one cluster slot), so a room's {@code seq} and membership change together. Room scripts take
 * {@link Keys#roomKeys} as KEYS: members, where, sessions, nodes, seq, events, mode.
 */
final class RoomScripts {
    private RoomScripts() {}

    /** Removes a participant and appends its leave event; shared by LEAVE and REAP. */
    private static final String LEAVE_FUNCTION = """
            local emptied = ''
            local function leave(pid, reason, maxlen)
              local p = redis.call('HGET', KEYS[1], pid)
              if not p then return nil end
              local w = redis.call('HGET', KEYS[2], pid)
              local space = string.find(w, ' ', 1, true)
              local node = string.sub(w, 1, space - 1)
              redis.call('HDEL', KEYS[1], pid)
              redis.call('HDEL', KEYS[2], pid)
              redis.call('HDEL', KEYS[3], string.sub(w, space + 1))
              if redis.call('HINCRBY', KEYS[4], node, -1) <= 0 then redis.call('HDEL', KEYS[4], node) end
              local seq = -1
              local event = ''
              if not cjson.decode(p).grants.hidden then
                seq = redis.call('INCR', KEYS[5])
                event = '{"t":"left","id":"' .. pid .. '","reason":"' .. reason .. '"}'
                redis.call('XADD', KEYS[6], 'MAXLEN', '~', maxlen, seq .. '-0', 'e', event)
              end
                if redis.call('HLEN', KEYS[1]) == 0 then
                emptied = redis.call('GET', KEYS[7]) or 'mesh'
                redis.call('DEL', unpack(KEYS))
              end
              return {seq, event}
            end
            """;

    /**
     * ARGV: participant id, session id, node, participant JSON, capacity, hidden (1/0), joined
     * event JSON, stream cap, mode if the room is new. Returns {-1} when full, else {seq, nodes,
     * other members' JSON, the room's mode}.
     */
    static final Script JOIN = new Script("""
            if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return {-1} end
            if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SET', KEYS[7], ARGV[9]) end
            local others = redis.call('HVALS', KEYS[1])
            local seq
            if ARGV[6] == '1' then
              seq = tonumber(redis.call('GET', KEYS[5]) or '0')
            else
              seq = redis.call('INCR', KEYS[5])
              redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[8], seq .. '-0', 'e', ARGV[7])
            end
            redis.call('HSET', KEYS[1], ARGV[1], '{"joinSeq":' .. seq .. ',' .. string.sub(ARGV[4], 2))
            redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. ' ' .. ARGV[2])
            redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
            redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
            return {seq, redis.call('HKEYS', KEYS[4]), others, redis.call('GET', KEYS[7])}
            """);

    /**
     * ARGV: participant id, reason, stream cap. Returns {} when not a member, else {seq (-1 if
     * hidden), nodes, the room's mode if this leave emptied it or ''}.
     */
    static final Script LEAVE = new Script(LEAVE_FUNCTION + """
            local nodes = redis.call('HKEYS', KEYS[4])
            local left = leave(ARGV[1], ARGV[2], ARGV[3])
            if not left then return {} end
            return {left[1], nodes, emptied}
            """);

    /**
     * Removes every participant a dead node held. ARGV: node, stream cap. Returns {nodes, the
     * room's mode if this emptied it or '', seq, event JSON, seq, event JSON…} for the leave events written.
     */
    static final Script REAP = new Script(LEAVE_FUNCTION + """
            local nodes = redis.call('HKEYS', KEYS[4])
            local result = {nodes, ''}
            local where = redis.call('HGETALL', KEYS[2])
            for i = 1, #where, 2 do
              if string.sub(where[i + 1], 1, #ARGV[1] + 1) == ARGV[1] .. ' ' then
                local left = leave(where[i], 'node-failure', ARGV[2])
                if left and left[1] > 0 then
                  table.insert(result, left[1])
                  table.insert(result, left[2])
                end
              end
            end
            result[2] = emptied
            return result
            """);

    /**
     * Posts a chat message. ARGV: sender, event JSON, stream cap. Returns {-1} when the sender is
     * no member or may not chat (see {@code Participant.mayChat}), else {seq, nodes}.
     */
    static final Script APPEND = new Script("""
            local sender = redis.call('HGET', KEYS[1], ARGV[1])
            if not sender then return {-1} end
            local grants = cjson.decode(sender).grants
            if not grants.canPublishData or grants.hidden then return {-1} end
            local seq = redis.call('INCR', KEYS[5])
            redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'e', ARGV[2])
            return {seq, redis.call('HKEYS', KEYS[4])}
            """);

    /**
     * Where to send a signal. ARGV: sender (empty to skip the check), recipient. Returns
     * {'sender-gone'}, {'not-found'} or {'node', node id}.
     */
    static final Script ROUTE = new Script("""
            if ARGV[1] ~= '' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {'sender-gone'} end
            local w = redis.call('HGET', KEYS[2], ARGV[2])
            if not w then return {'not-found'} end
            return {'node', string.sub(w, 1, string.find(w, ' ', 1, true) - 1)}
            """);

    /**
     * Moves a session to the node resuming it. ARGV: session id, identity, node. Returns {} when
     * the session is unknown or not the identity's, else {participant id, participant JSON, old node,
     * the room's seq, the room's mode, every member's JSON}.
     */
    static final Script RESUME = new Script("""
            local pid = redis.call('HGET', KEYS[3], ARGV[1])
            if not pid then return {} end
            local p = redis.call('HGET', KEYS[1], pid)
            if cjson.decode(p).identity ~= ARGV[2] then return {} end
            local w = redis.call('HGET', KEYS[2], pid)
            local old = string.sub(w, 1, string.find(w, ' ', 1, true) - 1)
            if old ~= ARGV[3] then
              redis.call('HSET', KEYS[2], pid, ARGV[3] .. ' ' .. ARGV[1])
              if redis.call('HINCRBY', KEYS[4], old, -1) <= 0 then redis.call('HDEL', KEYS[4], old) end
              redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
            end
            return {pid, p, old, tonumber(redis.call('GET', KEYS[5]) or '0'), redis.call('GET', KEYS[7]),
                    redis.call('HVALS', KEYS[1])}
            """);

    /**
     * Changes a participant's state, as {@code ParticipantChange} does in a room held in memory.
     * ARGV: by, target, change (hand, role, mute, publishing), value ('1'/'0', or the role), the
     * role's grants as JSON, stream cap. Returns {'not-found', id}, {'forbidden', why},
     * {'same'}, {'hidden'} or {'ok', seq, participant JSON, nodes}.
     */
    static final Script UPDATE = new Script("""
            local byJson = redis.call('HGET', KEYS[1], ARGV[1])
            if not byJson then return {'not-found', ARGV[1]} end
            local json = redis.call('HGET', KEYS[1], ARGV[2])
            if not json then return {'not-found', ARGV[2]} end
            local by = cjson.decode(byJson)
            local p = cjson.decode(json)
            local change = ARGV[3]
            local on = ARGV[4] == '1'
            if change == 'hand' or change == 'publishing' then
              if ARGV[1] ~= ARGV[2] then return {'forbidden', 'self'} end
              if change == 'publishing' and on and not p.grants.canPublish then return {'forbidden', 'publish'} end
            elseif not by.grants.roomAdmin then
              return {'forbidden', 'admin'}
            end
            local before = {p.role, p.handRaised == true, p.muted == true, p.publishing == true,
                            p.grants.canPublish, p.grants.canSubscribe, p.grants.canPublishData, p.grants.roomAdmin}
            if change == 'hand' then
              p.handRaised = on
            elseif change == 'publishing' then
              p.publishing = on
            elseif change == 'mute' then
              p.muted = on
            else
              local grants = cjson.decode(ARGV[5])
              grants.hidden = p.grants.hidden
              p.role = ARGV[4]
              p.grants = grants
              p.handRaised = false
              p.muted = grants.canPublish and p.muted == true
              p.publishing = grants.canPublish and p.publishing == true
            end
            local after = {p.role, p.handRaised == true, p.muted == true, p.publishing == true,
                           p.grants.canPublish, p.grants.canSubscribe, p.grants.canPublishData, p.grants.roomAdmin}
            local same = true
            for i = 1, #before do if before[i] ~= after[i] then same = false end end
            if same then return {'same'} end
            json = cjson.encode(p)
            redis.call('HSET', KEYS[1], ARGV[2], json)
            if p.grants.hidden then return {'hidden'} end
            local seq = redis.call('INCR', KEYS[5])
            redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'e',
                '{"t":"updated","change":"' .. change .. '","p":' .. json .. '}')
            return {'ok', seq, json, redis.call('HKEYS', KEYS[4])}
            """);

    static final Script[] ALL = {JOIN, LEAVE, REAP, APPEND, ROUTE, RESUME, UPDATE};
}
