package io.bifrost.sample;

import io.bifrost.android.media.AudioStats;
import io.bifrost.android.media.IceCandidate;
import io.bifrost.android.media.RtcConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.webrtc.AudioTrack;
import org.webrtc.DataChannel;
import org.webrtc.MediaConstraints;
import org.webrtc.MediaStream;
import org.webrtc.MediaStreamTrack;
import org.webrtc.PeerConnection;
import org.webrtc.PeerConnectionFactory;
import org.webrtc.RTCStats;
import org.webrtc.RtpReceiver;
import org.webrtc.RtpTransceiver;
import org.webrtc.SdpObserver;
import org.webrtc.SessionDescription;

/** One {@link RtcConnection} on an {@code org.webrtc} peer connection. */
final class AndroidConnection implements RtcConnection, PeerConnection.Observer {
    private static final List<String> STREAM = Collections.singletonList("microphone");

    private final Events events;
    private final AudioTrack microphone;
    private final PeerConnection pc;

    AndroidConnection(PeerConnectionFactory factory, PeerConnection.RTCConfiguration config, AudioTrack microphone,
                      Events events) {
        this.events = events;
        this.microphone = microphone;
        this.pc = factory.createPeerConnection(config, this);
    }

    @Override
    public void addAudio(Direction direction) {
        if (direction == Direction.SEND_RECV) {
            pc.addTrack(microphone, STREAM); // a remote offer's audio section takes this sender over
        } else if (direction == Direction.SEND_ONLY) {
            pc.addTransceiver(microphone,
                    new RtpTransceiver.RtpTransceiverInit(RtpTransceiver.RtpTransceiverDirection.SEND_ONLY, STREAM));
        } else {
            pc.addTransceiver(MediaStreamTrack.MediaType.MEDIA_TYPE_AUDIO,
                    new RtpTransceiver.RtpTransceiverInit(RtpTransceiver.RtpTransceiverDirection.RECV_ONLY));
        }
    }

    @Override
    public CompletableFuture<String> offer() {
        CompletableFuture<SessionDescription> created = new CompletableFuture<>();
        pc.createOffer(new Created(created), new MediaConstraints());
        return created.thenCompose(offer -> set(true, offer).thenApply(done -> offer.description));
    }

    @Override
    public CompletableFuture<String> answer(String offerSdp) {
        return set(false, new SessionDescription(SessionDescription.Type.OFFER, offerSdp)).thenCompose(done -> {
            CompletableFuture<SessionDescription> created = new CompletableFuture<>();
            pc.createAnswer(new Created(created), new MediaConstraints());
            return created;
        }).thenCompose(answer -> set(true, answer).thenApply(done -> answer.description));
    }

    @Override
    public CompletableFuture<Void> acceptAnswer(String answerSdp) {
        return set(false, new SessionDescription(SessionDescription.Type.ANSWER, answerSdp));
    }

    @Override
    public CompletableFuture<Void> addIceCandidate(IceCandidate candidate) {
        pc.addIceCandidate(new org.webrtc.IceCandidate(candidate.sdpMid(), candidate.sdpMLineIndex(), candidate.candidate()));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void startSending() {
        RtpTransceiver section = audioSection();
        if (section.getSender().track() == null) { // the far side's offer made it, to receive only
            section.getSender().setTrack(microphone, false);
            section.getSender().setStreams(STREAM);
        }
        section.setDirection(RtpTransceiver.RtpTransceiverDirection.SEND_RECV);
    }

    /**
     * The negotiated audio section, if there is one yet; the one this side added otherwise. A
     * section this side added that a remote offer did not take over is stopped, so that no offer
     * of this side adds it as a second one.
     */
    private RtpTransceiver audioSection() {
        List<RtpTransceiver> all = pc.getTransceivers();
        RtpTransceiver negotiated = null;
        for (RtpTransceiver t : all) {
            if (t.getMid() != null && !t.isStopped()) {
                negotiated = t;
            }
        }
        if (negotiated == null) {
            return all.get(0);
        }
        for (RtpTransceiver t : all) {
            if (t.getMid() == null && !t.isStopped()) {
                t.stopStandard();
            }
        }
        return negotiated;
    }

    @Override
    public CompletableFuture<Void> rollback() {
        return set(true, new SessionDescription(SessionDescription.Type.ROLLBACK, ""));
    }

    @Override
    public boolean awaitingAnswer() {
        return pc.signalingState() == PeerConnection.SignalingState.HAVE_LOCAL_OFFER;
    }

    @Override
    public CompletableFuture<AudioStats> audioStats() {
        CompletableFuture<AudioStats> stats = new CompletableFuture<>();
        pc.getStats(report -> {
            long packetsSent = 0, bytesSent = 0, packetsReceived = 0, bytesReceived = 0;
            double energy = 0;
            for (RTCStats s : report.getStatsMap().values()) {
                if (!"audio".equals(s.getMembers().get("kind"))) {
                    continue;
                }
                if (s.getType().equals("outbound-rtp")) {
                    packetsSent += number(s, "packetsSent");
                    bytesSent += number(s, "bytesSent");
                } else if (s.getType().equals("inbound-rtp")) {
                    packetsReceived += number(s, "packetsReceived");
                    bytesReceived += number(s, "bytesReceived");
                    energy += s.getMembers().get("totalAudioEnergy") instanceof Number
                            ? ((Number) s.getMembers().get("totalAudioEnergy")).doubleValue() : 0;
                }
            }
            stats.complete(new AudioStats(packetsSent, bytesSent, packetsReceived, bytesReceived, energy));
        });
        return stats;
    }

    private static long number(RTCStats stats, String member) {
        Object value = stats.getMembers().get(member);
        return value instanceof Number ? ((Number) value).longValue() : 0;
    }

    @Override
    public void close() {
        pc.dispose();
    }

    private CompletableFuture<Void> set(boolean local, SessionDescription description) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        SdpObserver observer = new SdpObserver() {
            @Override public void onCreateSuccess(SessionDescription d) { }
            @Override public void onSetSuccess() { done.complete(null); }
            @Override public void onCreateFailure(String error) { }
            @Override public void onSetFailure(String error) { done.completeExceptionally(new IllegalStateException(error)); }
        };
        if (local) {
            pc.setLocalDescription(observer, description);
        } else {
            pc.setRemoteDescription(observer, description);
        }
        return done;
    }

    /** Completes with a created offer or answer. */
    private static final class Created implements SdpObserver {
        private final CompletableFuture<SessionDescription> result;

        Created(CompletableFuture<SessionDescription> result) {
            this.result = result;
        }

        @Override public void onCreateSuccess(SessionDescription description) { result.complete(description); }
        @Override public void onSetSuccess() { }
        @Override public void onCreateFailure(String error) { result.completeExceptionally(new IllegalStateException(error)); }
        @Override public void onSetFailure(String error) { }
    }

    // ------------------------------------------------------------------ PeerConnection.Observer

    @Override
    public void onIceCandidate(org.webrtc.IceCandidate candidate) {
        events.onIceCandidate(new IceCandidate(candidate.sdp, candidate.sdpMid, candidate.sdpMLineIndex));
    }

    @Override
    public void onIceGatheringChange(PeerConnection.IceGatheringState state) {
        if (state == PeerConnection.IceGatheringState.COMPLETE) {
            events.onIceCandidate(null);
        }
    }

    @Override
    public void onAddTrack(RtpReceiver receiver, MediaStream[] streams) {
        List<String> ids = new ArrayList<>();
        for (MediaStream stream : streams) {
            ids.add(stream.getId());
        }
        events.onRemoteAudio(receiver.track().id(), ids);
    }

    @Override public void onSignalingChange(PeerConnection.SignalingState state) { }
    @Override public void onIceConnectionChange(PeerConnection.IceConnectionState state) { }
    @Override public void onIceConnectionReceivingChange(boolean receiving) { }
    @Override public void onIceCandidatesRemoved(org.webrtc.IceCandidate[] candidates) { }
    @Override public void onAddStream(MediaStream stream) { }
    @Override public void onRemoveStream(MediaStream stream) { }
    @Override public void onDataChannel(DataChannel channel) { }
    @Override public void onRenegotiationNeeded() { }
}
