package io.bifrost.android.media;

import java.util.List;

/**
 * The WebRTC stack the SDK drives: an app passes an adapter of {@code org.webrtc} (see
 * {@code samples/android/}), the SDK's own tests one of {@code webrtc-java}. It owns the
 * microphone: every connection that sends audio sends the same microphone track.
 */
public interface WebRtc {

    /**
     * A new peer connection.
     *
     * @param iceServers the STUN/TURN servers the room's node handed out
     * @param events hears the connection, on any thread; must not be called before this returns
     */
    RtcConnection create(List<IceServer> iceServers, RtcConnection.Events events);

    /** Lets the microphone's audio out, or sends silence instead, on every connection at once. */
    void setMicrophoneEnabled(boolean enabled);
}
