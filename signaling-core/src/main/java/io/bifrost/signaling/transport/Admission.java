package io.bifrost.signaling.transport;

import io.bifrost.auth.JoinClaims;
import io.bifrost.auth.TokenException;
import io.bifrost.auth.TokenVerifier;
import io.bifrost.rooms.room.Rooms;
import io.bifrost.signaling.protocol.ErrorCode;
import io.bifrost.signaling.session.Sessions;
import io.bifrost.signaling.session.TokenIds;

/**
 * Decides, before any websocket exists, whether a token may join: the same answer for the
 * upgrade and for {@code /rtc/validate}, so SDKs that cannot read a failed upgrade can ask.
 */
final class Admission {
    static final int OK = 200;
    static final int UNAUTHORIZED = 401;
    static final int FORBIDDEN = 403;
    static final int TOO_MANY_REQUESTS = 429;
    static final int UNAVAILABLE = 503;
    /** Room names and identities are names, echoed in events and logs: bounded and printable. */
    private static final int MAX_NAME_LENGTH = 128;

    private final TokenVerifier verifier;
    private final Rooms rooms;
    private final Sessions sessions;
    private final int roomsPerNode;

    /** @param roomsPerNode the most rooms this node holds (limits.roomsPerNode), 0 for no limit */
    Admission(TokenVerifier verifier, Rooms rooms, Sessions sessions, int roomsPerNode) {
        this.verifier = verifier;
        this.rooms = rooms;
        this.sessions = sessions;
        this.roomsPerNode = roomsPerNode;
    }

    /**
     * The outcome: claims when admitted, otherwise an HTTP status and the JSON error fields.
     *
     * @param tokenId what the admitted token is known by once spent (see {@link TokenIds})
     */
    record Decision(JoinClaims claims, String tokenId, int status, ErrorCode code, String reason, String message) {
        boolean admitted() {
            return claims != null;
        }
    }

    /**
     * @param token the raw token, or null when the request carried none
     * @param room the {@code room} query parameter, or null
     */
    Decision decide(String token, String room) {
        if (sessions.draining()) {
            return refuse(UNAVAILABLE, ErrorCode.UNAVAILABLE, "server-shutdown", "this node is shutting down; connect again");
        }
        JoinClaims claims;
        try {
            claims = verifier.verify(token);
        } catch (TokenException e) {
            if (e.reason() == TokenException.Reason.KEY_SOURCE_UNAVAILABLE) {
                return refuse(UNAVAILABLE, ErrorCode.UNAVAILABLE, e.reason().code(), e.getMessage());
            }
            return refuse(UNAUTHORIZED, ErrorCode.UNAUTHORIZED, e.reason().code(), e.getMessage());
        }
        String badName = badName("room", claims.room());
        if (badName == null) {
            badName = badName("identity (sub)", claims.identity());
        }
        if (badName != null) {
            return refuse(UNAUTHORIZED, ErrorCode.UNAUTHORIZED, "invalid-claims", badName);
        }
        if (room != null && !room.equals(claims.room())) {
            return refuse(FORBIDDEN, ErrorCode.FORBIDDEN, "wrong-room", "the token is for another room than '" + abbreviate(room) + "'");
        }
        if (rooms.isFull(claims.room())) {
            return refuse(FORBIDDEN, ErrorCode.ROOM_FULL, "room-full",
                    "room " + claims.room() + " is full (" + rooms.capacity() + " participants)");
        }
        if (!sessions.roomAllowed(claims.room(), roomsPerNode)) {
            return refuse(UNAVAILABLE, ErrorCode.UNAVAILABLE, "room-limit", "this node holds its most rooms (" + roomsPerNode
                    + ", limits.roomsPerNode); another node may take room " + claims.room());
        }
        String tokenId = TokenIds.of(token);
        if (sessions.spentTokens().isSpent(tokenId)) {
            return refuse(UNAUTHORIZED, ErrorCode.UNAUTHORIZED, "token-spent",
                    "this token's participant left or was removed; it cannot join again (auth.reuseAfterLeave): get a new one");
        }
        return new Decision(claims, tokenId, OK, null, null, null);
    }

    private static String badName(String what, String value) {
        if (value.length() > MAX_NAME_LENGTH) {
            return "the token's " + what + " is longer than " + MAX_NAME_LENGTH + " characters";
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return "the token's " + what + " contains a control character";
            }
        }
        return null;
    }

    static Decision refuse(int status, ErrorCode code, String reason, String message) {
        return new Decision(null, null, status, code, reason, message);
    }

    /** A client's value, cut short enough to quote in a refusal. */
    static String abbreviate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }
}
