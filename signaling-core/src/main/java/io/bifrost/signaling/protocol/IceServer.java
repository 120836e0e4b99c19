package io.bifrost.signaling.protocol;

import java.util.List;

/** An entry of {@code iceServers}, shaped like WebRTC's RTCIceServer; username and credential are for TURN. */
public record IceServer(List<String> urls, String username, String credential) {

    public IceServer {
        urls = List.copyOf(urls);
    }

    public static IceServer of(List<String> urls) {
        return new IceServer(urls, null, null);
    }
}
