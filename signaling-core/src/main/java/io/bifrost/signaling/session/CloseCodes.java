package io.bifrost.signaling.session;

/** The websocket close codes Bifrost uses (RFC 6455 §7.4.1). */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    /** Never sent: what a connection that failed without a close frame is reported with. */
    public static final int ABNORMAL = 1006;
    /** A text message that is not UTF-8. */
    public static final int NOT_UTF8 = 1007;
    public static final int POLICY_VIOLATION = 1008;
    /** A frame, or a message in fragments, above {@code limits.maxFrameBytes}. */
    public static final int TOO_BIG = 1009;

    private CloseCodes() {}
}
