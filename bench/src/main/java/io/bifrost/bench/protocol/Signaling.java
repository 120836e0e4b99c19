package io.bifrost.bench.protocol;

import java.util.List;

/**
 * How two participants of a room exchange WebRTC signals through a server (scenario 4): who is in
 * the room, the offer, the answer and the candidates addressed to one participant and relayed to
 * it with {@code from}, and leaving. Frames are built and read without a JSON parser; ids are
 * the servers' own (Bifrost's {@code p_…}, socket.io's socket ids), which JSON never escapes.
 */
public interface Signaling {
    /**
     * An offer as a browser makes it for one audio track (about 1.5 KB, as in the codec
     * benchmark), so that the relay moves realistic frames. Its line ends are escaped for JSON.
     */
    String SDP = String.join("\\r\\n",
            "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
            "a=extmap-allow-mixed", "a=msid-semantic: WMS 6f3c2a1e-bench",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
            "a=ice-ufrag:Zk3q", "a=ice-pwd:mU0y8fQd3r6cK1b2nVwXhJ4p", "a=ice-options:trickle",
            "a=fingerprint:sha-256 6B:8B:5D:EA:59:04:A1:12:0C:57:CD:2F:A8:1C:97:3E:57:11:4C:2E:D8:70:1B:96:9A:11:3C:AD:4A:6E:DD:4F",
            "a=setup:actpass", "a=mid:0", "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid", "a=sendrecv",
            "a=msid:6f3c2a1e-bench 0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5", "a=rtcp-mux",
            "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc", "a=fmtp:111 minptime=10;useinbandfec=1",
            "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111", "a=rtpmap:9 G722/8000", "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000", "a=rtpmap:13 CN/8000", "a=rtpmap:110 telephone-event/48000",
            "a=rtpmap:126 telephone-event/8000", "a=ssrc:3735928559 cname:bench0cname0001",
            "a=ssrc:3735928559 msid:6f3c2a1e-bench 0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5", "");

    /** An RTCIceCandidateInit as a browser trickles it, as JSON: the {@code n}th host candidate. */
    static String candidateInit(int n) {
        return "{\"candidate\":\"candidate:" + (n + 1) + " 1 udp 2122260223 127.0.0.1 " + (50000 + n)
                + " typ host generation 0 ufrag Zk3q network-id 1\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
    }

    /** The kinds of relayed signal. */
    enum Kind { OFFER, ANSWER, CANDIDATE }

    /** A signal relayed to this participant, and who sent it. */
    record Relayed(Kind kind, String from) {}

    /**
     * The other participants a frame names as being in the room: those listed when this one
     * joined, or one that joined later. Empty for any other frame.
     */
    List<String> announced(byte[] buf, int offset, int length);

    /** The relayed signal a frame is, or null when it is none. */
    Relayed relayed(byte[] buf, int offset, int length);

    /**
     * Whether a frame acknowledges a signal this participant sent. A participant leaves only once
     * every signal it sent was acknowledged: socket.io drops the events it has read but not yet
     * handled when the disconnect behind them arrives.
     */
    boolean acknowledges(byte[] buf, int offset, int length);

    byte[] offer(String to);

    byte[] answer(String to);

    /** The {@code n}th ICE candidate (from 0) of the sender's. */
    byte[] candidate(String to, int n);

    /** The frame that leaves the room. */
    byte[] leave();

    /**
     * Whether the server answers {@link #leave()} by closing the connection (Bifrost: an
     * {@code ack}, then close 1000 {@code left}); otherwise the client closes it once it is sent.
     */
    boolean serverClosesAfterLeave();
}
