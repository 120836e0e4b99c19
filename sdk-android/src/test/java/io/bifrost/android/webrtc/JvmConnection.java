package io.bifrost.android.webrtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCSignalingState;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.MediaStream;
import io.bifrost.android.media.AudioStats;
import io.bifrost.android.media.IceCandidate;
import io.bifrost.android.media.RtcConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** One {@link RtcConnection} on a webrtc-java peer connection; see {@link JvmWebRtc}. */
final class JvmConnection implements RtcConnection, PeerConnectionObserver {
    private final JvmWebRtc webRtc;
    private final Events events;
    private final RTCPeerConnection pc;
    private volatile boolean sends;
    private volatile boolean closed;

    JvmConnection(JvmWebRtc webRtc, RTCConfiguration config, Events events) {
        this.webRtc = webRtc;
        this.events = events;
        this.pc = webRtc.peerConnection(config, this);
    }

    @Override
    public void addAudio(Direction direction) {
        sends = direction != Direction.RECV_ONLY;
        if (direction == Direction.SEND_RECV) {
            // addTrack, not addTransceiver: a remote offer's audio section takes this sender over.
            pc.addTrack(webRtc.microphone(), List.of("microphone"));
            return;
        }
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = direction == Direction.SEND_ONLY ? RTCRtpTransceiverDirection.SEND_ONLY
                : RTCRtpTransceiverDirection.RECV_ONLY;
        init.streamIds = List.of("microphone");
        pc.addTransceiver(webRtc.microphone(), init); // webrtc-java needs a track even to receive only
    }

    @Override
    public CompletableFuture<String> offer() {
        return created(observer -> pc.createOffer(new RTCOfferOptions(), observer))
                .thenCompose(offer -> set(observer -> pc.setLocalDescription(offer, observer)).thenApply(done -> offer.sdp));
    }

    @Override
    public CompletableFuture<String> answer(String offerSdp) {
        RTCSessionDescription offer = new RTCSessionDescription(RTCSdpType.OFFER, offerSdp);
        return set(observer -> pc.setRemoteDescription(offer, observer))
                .thenCompose(done -> created(observer -> pc.createAnswer(new RTCAnswerOptions(), observer)))
                .thenCompose(answer -> set(observer -> pc.setLocalDescription(answer, observer)).thenApply(done -> answer.sdp));
    }

    @Override
    public CompletableFuture<Void> acceptAnswer(String answerSdp) {
        RTCSessionDescription answer = new RTCSessionDescription(RTCSdpType.ANSWER, answerSdp);
        return set(observer -> pc.setRemoteDescription(answer, observer));
    }

    @Override
    public CompletableFuture<Void> addIceCandidate(IceCandidate candidate) {
        if (!closed && webRtc.usable(candidate.candidate())) {
            pc.addIceCandidate(new RTCIceCandidate(candidate.sdpMid(), candidate.sdpMLineIndex(), candidate.candidate()));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void startSending() {
        RTCRtpTransceiver section = audioSection();
        if (section.getSender().getTrack() == null) { // the far side's offer made it, to receive only
            section.getSender().replaceTrack(webRtc.microphone());
            section.getSender().setStreams(List.of("microphone"));
        }
        section.setDirection(RTCRtpTransceiverDirection.SEND_RECV);
        sends = true;
        awaitFirstPacketInBackground();
    }

    /**
     * The negotiated audio section, if there is one yet; the one this side added otherwise. A
     * section this side added that a remote offer did not take over is stopped, so that no offer
     * of this side adds it as a second one.
     */
    private RTCRtpTransceiver audioSection() {
        RTCRtpTransceiver[] all = pc.getTransceivers();
        RTCRtpTransceiver negotiated = null;
        for (RTCRtpTransceiver t : all) {
            if (t.getMid() != null && !t.stopped()) {
                negotiated = t;
            }
        }
        if (negotiated == null) {
            return all[0];
        }
        for (RTCRtpTransceiver t : all) {
            if (t.getMid() == null && !t.stopped()) {
                t.stop();
            }
        }
        return negotiated;
    }

    @Override
    public CompletableFuture<Void> rollback() {
        RTCSessionDescription rollback = new RTCSessionDescription(RTCSdpType.ROLLBACK, "");
        return set(observer -> pc.setLocalDescription(rollback, observer));
    }

    @Override
    public boolean awaitingAnswer() {
        return pc.getSignalingState() == RTCSignalingState.HAVE_LOCAL_OFFER;
    }

    @Override
    public CompletableFuture<AudioStats> audioStats() {
        if (closed) {
            return CompletableFuture.completedFuture(AudioStats.NONE);
        }
        return JvmWebRtc.stats(pc).thenApplyAsync(JvmConnection::audio, webRtc.callbacks);
    }

    private static AudioStats audio(RTCStatsReport report) {
        return new AudioStats((long) JvmWebRtc.sum(report, RTCStatsType.OUTBOUND_RTP, "packetsSent"),
                (long) JvmWebRtc.sum(report, RTCStatsType.OUTBOUND_RTP, "bytesSent"),
                (long) JvmWebRtc.sum(report, RTCStatsType.INBOUND_RTP, "packetsReceived"),
                (long) JvmWebRtc.sum(report, RTCStatsType.INBOUND_RTP, "bytesReceived"),
                JvmWebRtc.sum(report, RTCStatsType.INBOUND_RTP, "totalAudioEnergy"));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pc.close();
        }
    }

    // ------------------------------------------------------------------ webrtc's callbacks (its signaling thread)

    @Override
    public void onIceCandidate(RTCIceCandidate candidate) {
        if (!closed && webRtc.usable(candidate.sdp)) {
            IceCandidate found = new IceCandidate(candidate.sdp, candidate.sdpMid, candidate.sdpMLineIndex);
            webRtc.callbacks.execute(() -> events.onIceCandidate(found));
        }
    }

    @Override
    public void onIceGatheringChange(RTCIceGatheringState state) {
        if (!closed && state == RTCIceGatheringState.COMPLETE) {
            webRtc.callbacks.execute(() -> events.onIceCandidate(null));
        }
    }

    @Override
    public void onAddTrack(RTCRtpReceiver receiver, MediaStream[] streams) {
        if (closed) {
            return;
        }
        String trackId = receiver.getTrack().getId();
        List<String> streamIds = new ArrayList<>();
        for (MediaStream stream : streams) {
            if (stream.id() != null) { // webrtc-java reads no id of a stream an SFU announced
                streamIds.add(stream.id());
            }
        }
        webRtc.callbacks.execute(() -> events.onRemoteAudio(trackId, streamIds));
    }

    @Override
    public void onConnectionChange(RTCPeerConnectionState state) {
        if (state == RTCPeerConnectionState.CONNECTED && sends) {
            awaitFirstPacketInBackground();
        }
    }

    private void awaitFirstPacketInBackground() {
        Thread waiting = new Thread(this::awaitFirstPacket, "webrtc-first-packet");
        waiting.setDaemon(true);
        waiting.start();
    }

    /** Polls until the first packet left, then lets {@link JvmWebRtc#sending} start the tone. */
    private void awaitFirstPacket() {
        for (int i = 0; i < 250 && !closed; i++) {
            try {
                if (JvmWebRtc.sum(JvmWebRtc.stats(pc).get(5, TimeUnit.SECONDS), RTCStatsType.OUTBOUND_RTP, "packetsSent") > 0) {
                    webRtc.sending();
                    return;
                }
                Thread.sleep(20);
            } catch (Exception e) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ callbacks to futures

    private CompletableFuture<RTCSessionDescription> created(Consumer<CreateSessionDescriptionObserver> call) {
        CompletableFuture<RTCSessionDescription> result = new CompletableFuture<>();
        call.accept(new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                webRtc.callbacks.execute(() -> result.complete(description));
            }

            @Override
            public void onFailure(String error) {
                webRtc.callbacks.execute(() -> result.completeExceptionally(new IllegalStateException(error)));
            }
        });
        return result;
    }

    private CompletableFuture<Void> set(Consumer<SetSessionDescriptionObserver> call) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        call.accept(new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                webRtc.callbacks.execute(() -> result.complete(null));
            }

            @Override
            public void onFailure(String error) {
                webRtc.callbacks.execute(() -> result.completeExceptionally(new IllegalStateException(error)));
            }
        });
        return result;
    }
}
