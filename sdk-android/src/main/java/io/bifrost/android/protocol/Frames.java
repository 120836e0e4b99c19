package io.bifrost.android.protocol;

import java.util.HashMap;
import java.util.Map;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * The wire format of Bifrost's signaling protocol ({@code docs/protocol.md}): JSON frames, one
 * per websocket text message. Server frames are checked for the fields their type requires,
 * so that the rest of the SDK reads them without guarding each access.
 */
public final class Frames {
    /** The fields each server frame type must carry (beyond {@code type}). */
    private static final Map<String, String[]> REQUIRED = new HashMap<>();

    static {
        REQUIRED.put("joined", new String[] {"room", "mode", "sessionId", "participant", "participants", "seq"});
        REQUIRED.put("resumed", new String[] {"room", "mode", "sessionId", "participant"});
        REQUIRED.put("participant-joined", new String[] {"seq", "participant"});
        REQUIRED.put("participant-left", new String[] {"seq", "participantId", "reason"});
        REQUIRED.put("participant-updated", new String[] {"seq", "participant", "change"});
        REQUIRED.put("listeners", new String[] {"count", "listed"});
        REQUIRED.put("offer", new String[] {"from", "sdp"});
        REQUIRED.put("answer", new String[] {"from", "sdp"});
        REQUIRED.put("candidate", new String[] {"from", "candidate"});
        REQUIRED.put("sfu-reset", new String[] {"target"});
        REQUIRED.put("chat", new String[] {"seq", "from", "text", "ts"});
        REQUIRED.put("message", new String[] {"from", "text", "ts"});
        REQUIRED.put("ack", new String[] {});
        REQUIRED.put("pong", new String[] {});
        REQUIRED.put("error", new String[] {"code", "message"});
        REQUIRED.put("disconnect", new String[] {"reason", "reconnect"});
        REQUIRED.put("token", new String[] {"token", "expiresAt"});
    }

    private Frames() {}

    /**
     * A server frame.
     *
     * @throws ProtocolException when the text is no JSON object, has an unknown type, or lacks a field its type requires
     */
    public static JSONObject decodeServer(String text) throws ProtocolException {
        JSONObject frame;
        try {
            frame = new JSONObject(text);
        } catch (JSONException e) {
            throw new ProtocolException("a server frame is not a JSON object");
        }
        String type = frame.optString("type", null);
        String[] required = type == null ? null : REQUIRED.get(type);
        if (required == null) {
            throw new ProtocolException("unknown server frame type '" + type + "'");
        }
        for (String field : required) {
            if (!frame.has(field)) {
                throw new ProtocolException("a '" + type + "' frame has no " + field);
            }
        }
        return frame;
    }

    /** Whether this frame type is one of the protocol's server frames. */
    public static boolean isServerType(String type) {
        return REQUIRED.containsKey(type);
    }

    // ------------------------------------------------------------------ client frames

    public static JSONObject request(String type, String id) {
        JSONObject frame = new JSONObject();
        frame.put("type", type);
        if (id != null) {
            frame.put("id", id);
        }
        return frame;
    }

    public static JSONObject chat(String id, String text) {
        return request("chat", id).put("text", text);
    }

    /** {@code promote}, {@code demote}. */
    public static JSONObject aboutParticipant(String type, String id, String participantId) {
        return request(type, id).put("participantId", participantId);
    }

    public static JSONObject mute(String id, String participantId, boolean muted) {
        return aboutParticipant("mute", id, participantId).put("muted", muted);
    }

    /** An {@code offer} or {@code answer} to a participant, or to {@code sfu}. */
    public static JSONObject description(String type, String id, String to, String sdp) {
        return request(type, id).put("to", to).put("sdp", sdp);
    }

    /**
     * @param candidate the candidate as JSON, or null for end-of-candidates
     * @param target to {@code sfu}: {@code publisher} or {@code subscriber}; null otherwise
     */
    public static JSONObject candidate(String id, String to, JSONObject candidate, String target) {
        JSONObject frame = request("candidate", id).put("to", to);
        if (target != null) {
            frame.put("target", target);
        }
        return frame.put("candidate", candidate == null ? JSONObject.NULL : candidate);
    }
}
