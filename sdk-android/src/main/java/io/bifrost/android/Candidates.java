package io.bifrost.android;

import io.bifrost.android.media.IceCandidate;
import org.json.JSONObject;

/** ICE candidates as the protocol writes them. */
final class Candidates {
    private Candidates() {}

    static IceCandidate of(JSONObject json) {
        return new IceCandidate(json.getString("candidate"), json.optString("sdpMid", null), json.optInt("sdpMLineIndex", 0));
    }

    static JSONObject json(IceCandidate candidate) {
        JSONObject json = new JSONObject().put("candidate", candidate.candidate()).put("sdpMLineIndex", candidate.sdpMLineIndex());
        if (candidate.sdpMid() != null) {
            json.put("sdpMid", candidate.sdpMid());
        }
        return json;
    }
}
