package io.bifrost.auth;

/** The names of Bifrost's private claims, shared by the issuer and the verifier (see docs/tokens.md). */
final class ClaimNames {
    static final String NAME = "name";
    static final String ROOM = "room";
    static final String ROLE = "role";
    static final String GRANTS = "grants";
    static final String METADATA = "metadata";
    static final String ROOM_CONFIG = "roomConfig";
    static final String MODE = "mode";

    static final String CAN_PUBLISH = "canPublish";
    static final String CAN_SUBSCRIBE = "canSubscribe";
    static final String CAN_PUBLISH_DATA = "canPublishData";
    static final String ROOM_ADMIN = "roomAdmin";
    static final String HIDDEN = "hidden";
    static final String ROOM_CREATE = "roomCreate";
    static final String ROOM_LIST = "roomList";

    /** The audience a token must name unless the server is configured otherwise. */
    static final String DEFAULT_AUDIENCE = "bifrost";

    /** The audience of a webhook signature: no join or admin token has it, so neither can pass for the other. */
    static final String WEBHOOK_AUDIENCE = "bifrost-webhook";
    /** The SHA-256 of the signed webhook body, base64url without padding. */
    static final String SHA256 = "sha256";

    private ClaimNames() {
    }
}
