package io.bifrost.signaling.session;

/**
 * The websocket close codes Bifrost sends or reads (RFC 6455 §7.4.1); Jetty sends 1007 and 1009
 * for the frames it refuses on Bifrost's behalf.
 */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    /** Never sent: what a connection that failed without a close frame is reported with. */
    public static final int ABNORMAL = 1006;
    public static final int POLICY_VIOLATION = 1008;

    private CloseCodes() {}
}
