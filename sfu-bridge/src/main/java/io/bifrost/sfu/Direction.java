package io.bifrost.sfu;

/** Which of a participant's connections to the SFU something concerns. */
public enum Direction {
    /** The connection that sends the participant's media to the SFU. */
    PUBLISH,
    /** The connection that receives the room's publishers from the SFU. */
    SUBSCRIBE
}
