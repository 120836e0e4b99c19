package io.bifrost.rooms.cluster.redis;

/**
 * The Lua scripts that change a room. Each runs atomically on the room's keys (one hash tag, so
 * one cluster slot), so a room's {@code seq} and membership change together. Room scripts take
 * {@link Keys#roomKeys} as KEYS: members, where, sessions, nodes, seq, events, mode, settings, identities,
 * and the room's hooks when the cluster sends webhooks.
 */
final class RoomScripts {
    private RoomScripts() {}

    /**
     * Records a hook (see {@code RoomHook} and {@link EventCodec#decodeHook}) in the same step as
     * the change it reports, so a hook is never lost nor recorded for a change that did not
     * happen. Without a hooks key the cluster sends no webhooks and nothing is recorded.
     */
    private static final String HOOK_FUNCTION = """
            local function hook(fact)
              if KEYS[10] then redis.call('XADD', KEYS[10], '*', 'h', fact) end
            end
            """;

    /**
     * Removes a participant and appends its leave event; shared by LEAVE, REAP, DELETE and JOIN
     * (which replaces a duplicate and must not empty the room it is about to join).
     */
    private static final String LEAVE_FUNCTION = HOOK_FUNCTION + """
            local emptied = ''
            local function leave(pid, reason, maxlen, keep)
              local p = redis.call('HGET', KEYS[1], pid)
              if not p then return nil end
              hook('{"t":"left","reason":"' .. reason .. '","p":' .. p .. '}')
              local decoded = cjson.decode(p)
              if redis.call('HGET', KEYS[9], decoded.identity) == pid then redis.call('HDEL', KEYS[9], decoded.identity) end
              local w = redis.call('HGET', KEYS[2], pid)
              local space = string.find(w, ' ', 1, true)
              local node = string.sub(w, 1, space - 1)
              redis.call('HDEL', KEYS[1], pid)
              redis.call('HDEL', KEYS[2], pid)
              redis.call('HDEL', KEYS[3], string.sub(w, space + 1))
              if redis.call('HINCRBY', KEYS[4], node, -1) <= 0 then redis.call('HDEL', KEYS[4], node) end
              local seq = -1
              local event = ''
              if not decoded.grants.hidden then
                seq = redis.call('INCR', KEYS[5])
                event = '{"t":"left","id":"' .. pid .. '","reason":"' .. reason .. '"}'
                redis.call('XADD', KEYS[6], 'MAXLEN', '~', maxlen, seq .. '-0', 'e', event)
              end
              if not keep and redis.call('HLEN', KEYS[1]) == 0 then
                emptied = redis.call('GET', KEYS[7]) or 'mesh'
                if redis.call('EXISTS', KEYS[8]) == 0 then hook('{"t":"finished"}') end
                redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[9])
              end
              return {seq, event, node}
            end
            """;

    /**
     * ARGV: participant id, session id, node, participant JSON, capacity, hidden (1/0), joined
     * event JSON, stream cap, mode if the room is new, duplicate identity policy (replace, reject,
     * allow), identity; a room the backend created has its own capacity and mode. Returns {-1}
     * when full, {-2} when the identity is in the room and the policy rejects, else {seq, nodes,
     * other members' JSON, the room's mode, and {} or the replaced participant's {id, node, leave
     * seq (-1 if hidden), leave event JSON}}.
     */
    static final Script JOIN = new Script(LEAVE_FUNCTION + """
            local starts = redis.call('HLEN', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[8]) == 0
            local replaced = {}
            local same = ARGV[10] ~= 'allow' and redis.call('HGET', KEYS[9], ARGV[11])
            if same and redis.call('HEXISTS', KEYS[1], same) == 1 then
              if ARGV[10] == 'reject' then return {-2} end
              local w = redis.call('HGET', KEYS[2], same)
              local left = leave(same, 'duplicate-identity', ARGV[8], true)
              replaced = {same, string.sub(w, 1, string.find(w, ' ', 1, true) - 1), left[1], left[2]}
            end
            if redis.call('HLEN', KEYS[1]) >= tonumber(redis.call('HGET', KEYS[8], 'capacity') or ARGV[5]) then return {-1} end
            redis.call('SET', KEYS[7], redis.call('HGET', KEYS[8], 'mode') or ARGV[9], 'NX') -- a new room's mode; a room keeps its own
            if starts then hook('{"t":"started","mode":"' .. redis.call('GET', KEYS[7]) .. '"}') end
            hook('{"t":"joined","p":' .. ARGV[4] .. '}')
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
            redis.call('HSET', KEYS[9], ARGV[11], ARGV[1])
            return {seq, redis.call('HKEYS', KEYS[4]), others, redis.call('GET', KEYS[7]), replaced}
            """);

    /**
     * ARGV: participant id, reason, stream cap. Returns {} when not a member, else {seq (-1 if
     * hidden), nodes, the room's mode if this leave emptied it or '', the participant's node,
     * the participant's JSON}.
     */
    static final Script LEAVE = new Script(LEAVE_FUNCTION + """
            local nodes = redis.call('HKEYS', KEYS[4])
            local p = redis.call('HGET', KEYS[1], ARGV[1])
            local left = leave(ARGV[1], ARGV[2], ARGV[3])
            if not left then return {} end
            return {left[1], nodes, emptied, left[3], p}
            """);

    /**
     * Creates a room that stays until deleted. ARGV: mode, capacity, metadata. Returns 0 when
     * the room exists (created before, or made by a join and not empty), else 1.
     */
    static final Script CREATE = new Script(HOOK_FUNCTION + """
            if redis.call('EXISTS', KEYS[8]) == 1 or redis.call('HLEN', KEYS[1]) > 0 then return 0 end
            redis.call('HSET', KEYS[8], 'mode', ARGV[1], 'capacity', ARGV[2], 'metadata', ARGV[3])
            hook('{"t":"started","mode":"' .. ARGV[1] .. '"}')
            return 1
            """);

    /**
     * Deletes a room: every participant leaves with {@code room-deleted}. ARGV: stream cap.
     * Returns {0} when the room does not exist, else {1, nodes, the room's mode if it had
     * participants or '', then participant id, node, seq (-1 if hidden), event JSON for each}.
     */
    static final Script DELETE = new Script(LEAVE_FUNCTION + """
            local created = redis.call('DEL', KEYS[8])
            local members = redis.call('HKEYS', KEYS[1])
            if created == 0 and #members == 0 then return {0} end
            if #members == 0 then hook('{"t":"finished"}') end -- else the last leave records it
            local result = {1, redis.call('HKEYS', KEYS[4]), ''}
            for i = 1, #members do
              local left = leave(members[i], 'room-deleted', ARGV[1])
              table.insert(result, members[i])
              table.insert(result, left[3])
              table.insert(result, left[1])
              table.insert(result, left[2])
            end
            result[3] = emptied
            return result
            """);

    /**
     * What the backend sees of a room. Returns {0} when it does not exist, else {1, participant
     * count, the mode of a room with participants or '', the settings hash as field, value…}.
     */
    static final Script INFO = new Script("""
            local size = redis.call('HLEN', KEYS[1])
            local settings = redis.call('HGETALL', KEYS[8])
            if size == 0 and #settings == 0 then return {0} end
            return {1, size, redis.call('GET', KEYS[7]) or '', settings}
            """);

    /** Returns {0} when the room does not exist, else {1, every member's JSON}. */
    static final Script MEMBERS = new Script("""
            local members = redis.call('HVALS', KEYS[1])
            if #members == 0 and redis.call('EXISTS', KEYS[8]) == 0 then return {0} end
            return {1, members}
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
     * Posts a chat message. ARGV: sender ('' for the app's backend), event JSON, stream cap.
     * Returns {-1} when the sender is no member or may not chat (see {@code Participant.mayChat}),
     * {-2} when the backend posts to a room without participants, else {seq, nodes}.
     */
    static final Script APPEND = new Script("""
            if ARGV[1] == '' then
              if redis.call('HLEN', KEYS[1]) == 0 then return {-2} end
            else
              local sender = redis.call('HGET', KEYS[1], ARGV[1])
              if not sender then return {-1} end
              local grants = cjson.decode(sender).grants
              if not grants.canPublishData or grants.hidden then return {-1} end
            end
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
     * ARGV: by ('' for the app's backend, which the caller checked), target, change (hand, role,
     * mute, publishing, permissions, metadata), value ('1'/'0', the role, or the metadata), the
     * grants as JSON (role, permissions), stream cap. Returns {'not-found', id}, {'forbidden', why},
     * {'same', participant JSON}, {'hidden', participant JSON} or {'ok', seq, participant JSON, nodes}.
     */
    static final Script UPDATE = new Script(HOOK_FUNCTION + """
            local by = nil
            if ARGV[1] ~= '' then
              local byJson = redis.call('HGET', KEYS[1], ARGV[1])
              if not byJson then return {'not-found', ARGV[1]} end
              by = cjson.decode(byJson)
            end
            local json = redis.call('HGET', KEYS[1], ARGV[2])
            if not json then return {'not-found', ARGV[2]} end
            local p = cjson.decode(json)
            local change = ARGV[3]
            local on = ARGV[4] == '1'
            if by == nil then
              -- the backend may make any change but a participant's own
            elseif change == 'hand' or change == 'publishing' then
              if ARGV[1] ~= ARGV[2] then return {'forbidden', 'self'} end
              if change == 'publishing' and on and not p.grants.canPublish then return {'forbidden', 'publish'} end
            elseif not by.grants.roomAdmin then
              return {'forbidden', 'admin'}
            end
            local before = {p.role, p.handRaised == true, p.muted == true, p.publishing == true, p.metadata,
                            p.grants.canPublish, p.grants.canSubscribe, p.grants.canPublishData, p.grants.roomAdmin}
            if change == 'metadata' then
              p.metadata = ARGV[4]
            elseif change == 'permissions' then
              local grants = cjson.decode(ARGV[5])
              grants.hidden = p.grants.hidden
              p.grants = grants
              p.muted = grants.canPublish and p.muted == true
              p.publishing = grants.canPublish and p.publishing == true
            elseif change == 'hand' then
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
            local after = {p.role, p.handRaised == true, p.muted == true, p.publishing == true, p.metadata,
                           p.grants.canPublish, p.grants.canSubscribe, p.grants.canPublishData, p.grants.roomAdmin}
            local same = true
            for i = 1, #before do if before[i] ~= after[i] then same = false end end
            if same then return {'same', json} end
            local was = json
            json = cjson.encode(p)
            redis.call('HSET', KEYS[1], ARGV[2], json)
            hook('{"t":"changed","change":"' .. change .. '","before":' .. was .. ',"p":' .. json .. '}')
            if p.grants.hidden then return {'hidden', json} end
            local seq = redis.call('INCR', KEYS[5])
            redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'e',
                '{"t":"updated","change":"' .. change .. '","p":' .. json .. '}')
            return {'ok', seq, json, redis.call('HKEYS', KEYS[4])}
            """);

    static final Script[] ALL = {JOIN, LEAVE, CREATE, DELETE, INFO, MEMBERS, REAP, APPEND, ROUTE, RESUME, UPDATE};
}
