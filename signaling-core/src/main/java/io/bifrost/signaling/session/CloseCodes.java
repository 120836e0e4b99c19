package io.bifrost.signaling.session;

/** The websocket close codes Bifrost uses (RFC 6455 §7.4.1). */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int POLICY_VIOLATION = 1008;

    private CloseCodes() {}
}
