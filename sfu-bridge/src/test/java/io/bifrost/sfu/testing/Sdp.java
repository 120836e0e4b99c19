package io.bifrost.sfu.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written SDP that Janus accepts, standing in for a browser's: enough for Janus to answer
 * and hold a handle, never for media (nothing answers its ICE checks).
 */
public final class Sdp {
    private static final String FINGERPRINT = "sha-256 "
            + "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3A:5D:1E:7F:1B:2E:8D:3C:4F:5A:6B:7C";

    private Sdp() {}

    /** A browser's audio-only publish offer: one Opus m-line, mid 0, sendonly. */
    public static String opusOffer() {
        return String.join("\r\n",
                "v=0",
                "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
                "s=-",
                "t=0 0",
                "a=group:BUNDLE 0",
                "a=msid-semantic: WMS bifrost",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                "c=IN IP4 0.0.0.0",
                "a=rtcp:9 IN IP4 0.0.0.0",
                "a=ice-ufrag:Zx3q",
                "a=ice-pwd:8sVh4mFq2kP0wLr7TnYc1dGb",
                "a=ice-options:trickle",
                "a=fingerprint:" + FINGERPRINT,
                "a=setup:actpass",
                "a=mid:0",
                "a=sendonly",
                "a=msid:bifrost mic",
                "a=rtcp-mux",
                "a=rtpmap:111 opus/48000/2",
                "a=fmtp:111 minptime=10;useinbandfec=1",
                "a=ssrc:1001 cname:bifrost",
                "") ;
    }

    /** The same offer after an ICE restart: new credentials, same media. */
    public static String opusOfferRestarted() {
        return opusOffer().replace("a=ice-ufrag:Zx3q", "a=ice-ufrag:Rr9t")
                .replace("a=ice-pwd:8sVh4mFq2kP0wLr7TnYc1dGb", "a=ice-pwd:Q1w2E3r4T5y6U7i8O9p0AsDf")
                .replace("o=- 4611731400430051336 2", "o=- 4611731400430051336 3");
    }

    /** A subscriber's answer to Janus's offer: every m-line received, none sent. */
    public static String answerTo(String offer) {
        List<String> lines = new ArrayList<>(List.of("v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0"));
        List<String> mids = new ArrayList<>();
        String mline = null;
        for (String line : offer.split("\r?\n")) {
            if (line.startsWith("m=")) {
                mline = line;
            } else if (mline != null && line.startsWith("a=mid:")) {
                mids.add(line.substring("a=mid:".length()));
                boolean audio = mline.startsWith("m=audio");
                lines.add(audio ? "m=audio 9 UDP/TLS/RTP/SAVPF 111" : mline.replaceFirst(" \\d+ ", " 9 "));
                lines.addAll(List.of("c=IN IP4 0.0.0.0", "a=ice-ufrag:Yy7u", "a=ice-pwd:Lk9j8h7g6f5d4s3a2q1w0e9r",
                        "a=fingerprint:" + FINGERPRINT, "a=setup:active", line, "a=recvonly", "a=rtcp-mux"));
                if (audio) {
                    lines.add("a=rtpmap:111 opus/48000/2");
                }
            }
        }
        lines.add(2, "a=group:BUNDLE " + String.join(" ", mids));
        lines.add("");
        return String.join("\r\n", lines);
    }

    /** A host candidate as a browser hands it over (JSON of an RTCIceCandidateInit), on an address of the test's own. */
    public static String candidate(String address) {
        return "{\"candidate\":\"candidate:1 1 udp 2122260223 " + address + " 50000 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}";
    }
}
