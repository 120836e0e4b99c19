package io.bifrost.sample;

import android.content.Context;
import io.bifrost.android.media.IceServer;
import io.bifrost.android.media.RtcConnection;
import io.bifrost.android.media.WebRtc;
import java.util.ArrayList;
import java.util.List;
import org.webrtc.AudioSource;
import org.webrtc.AudioTrack;
import org.webrtc.MediaConstraints;
import org.webrtc.PeerConnection;
import org.webrtc.PeerConnectionFactory;
import org.webrtc.audio.JavaAudioDeviceModule;

/**
 * The SDK's {@link WebRtc} on {@code org.webrtc}: the device's microphone and speaker through
 * WebRTC's Java audio device module. One per app; {@link #close()} it when the app is done.
 */
public final class AndroidWebRtc implements WebRtc, AutoCloseable {
    private final JavaAudioDeviceModule audio;
    private final PeerConnectionFactory factory;
    private final AudioSource source;
    private final AudioTrack microphone;

    public AndroidWebRtc(Context context) {
        PeerConnectionFactory.initialize(PeerConnectionFactory.InitializationOptions.builder(context.getApplicationContext())
                .createInitializationOptions());
        audio = JavaAudioDeviceModule.builder(context.getApplicationContext())
                .setUseHardwareAcousticEchoCanceler(true)
                .setUseHardwareNoiseSuppressor(true)
                .createAudioDeviceModule();
        factory = PeerConnectionFactory.builder().setAudioDeviceModule(audio).createPeerConnectionFactory();
        source = factory.createAudioSource(new MediaConstraints());
        microphone = factory.createAudioTrack("microphone", source);
        microphone.setEnabled(false);
    }

    @Override
    public RtcConnection create(List<IceServer> iceServers, RtcConnection.Events events) {
        List<PeerConnection.IceServer> servers = new ArrayList<>();
        for (IceServer server : iceServers) {
            PeerConnection.IceServer.Builder builder = PeerConnection.IceServer.builder(server.urls());
            if (server.username() != null) {
                builder.setUsername(server.username()).setPassword(server.credential());
            }
            servers.add(builder.createIceServer());
        }
        PeerConnection.RTCConfiguration config = new PeerConnection.RTCConfiguration(servers);
        config.sdpSemantics = PeerConnection.SdpSemantics.UNIFIED_PLAN;
        config.continualGatheringPolicy = PeerConnection.ContinualGatheringPolicy.GATHER_CONTINUALLY; // network changes
        return new AndroidConnection(factory, config, microphone, events);
    }

    @Override
    public void setMicrophoneEnabled(boolean enabled) {
        microphone.setEnabled(enabled);
    }

    @Override
    public void close() {
        microphone.dispose();
        source.dispose();
        factory.dispose();
        audio.release();
    }
}
