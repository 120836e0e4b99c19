package io.bifrost.signaling.session;

import java.time.Duration;

/**
 * The per-session limits, taken from the configuration once at start.
 *
 * @param resumeWindow how long a dropped session may be resumed; zero turns resume off
 */
public record SessionLimits(int maxMessageBytes, int messagesPerSecond, int messageBurst, int outboundQueueFrames,
                            Duration pingInterval, Duration pingTimeout, Duration resumeWindow, int messagesPerSecondPerRoom) {}
