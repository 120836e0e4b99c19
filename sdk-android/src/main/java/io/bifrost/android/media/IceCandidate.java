package io.bifrost.android.media;

import java.util.Objects;

/** An ICE candidate as the protocol carries it ({@code candidate}, {@code sdpMid}, {@code sdpMLineIndex}). */
public final class IceCandidate {
    private final String candidate;
    private final String sdpMid;
    private final int sdpMLineIndex;

    public IceCandidate(String candidate, String sdpMid, int sdpMLineIndex) {
        this.candidate = Objects.requireNonNull(candidate, "candidate");
        this.sdpMid = sdpMid;
        this.sdpMLineIndex = sdpMLineIndex;
    }

    /** The {@code candidate:…} line. */
    public String candidate() {
        return candidate;
    }

    /** May be null. */
    public String sdpMid() {
        return sdpMid;
    }

    public int sdpMLineIndex() {
        return sdpMLineIndex;
    }

    @Override
    public String toString() {
        return candidate;
    }
}
