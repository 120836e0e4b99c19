package io.bifrost.android.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import io.bifrost.android.media.IceServer;
import io.bifrost.android.media.RtcConnection;
import io.bifrost.android.media.WebRtc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The SDK's {@link WebRtc} on {@code webrtc-java}: real peer connections in the test JVM, with
 * a headless audio device (no sound card here) and a microphone that plays a sine tone, so that
 * what arrives at the far side can be told from silence.
 *
 * <p>One per SDK client, and at most one connection of it may send: the headless device starts
 * its own capture thread whenever a send stream starts, and that thread must be stopped before
 * the tone is pushed into the same stream, or webrtc's race checks abort the JVM. So the tone
 * starts once the sending connection sent its first packet, after the capture thread is stopped.
 *
 * <p>webrtc-java gathers no loopback candidates; only candidates on {@code addresses} (the veth
 * pair of a network namespace the test created) are used, both ways.
 */
public final class JvmWebRtc implements WebRtc, AutoCloseable {
    private static final int RATE = 48_000;
    private static final int FRAMES = 480; // 10 ms

    private final HeadlessAudioDeviceModule device;
    private final PeerConnectionFactory factory;
    private final CustomAudioSource source;
    private final AudioTrack microphone;
    private final List<String> addresses;
    private final double toneHz;
    private final List<JvmConnection> connections = new CopyOnWriteArrayList<>();
    /** Completes the futures of webrtc's callbacks off its signaling thread, which must not be re-entered. */
    final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> daemon(r, "webrtc-callbacks"));
    private final ScheduledExecutorService tone = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "webrtc-tone"));
    private volatile boolean enabled = true;
    private boolean toneStarted;
    private long sample;

    /** @param addresses the only addresses ICE may use: those of a network namespace's veth pair the test made */
    public JvmWebRtc(List<String> addresses, double toneHz) {
        this.addresses = List.copyOf(addresses);
        this.toneHz = toneHz;
        this.device = new HeadlessAudioDeviceModule();
        this.factory = new PeerConnectionFactory(device);
        this.source = new CustomAudioSource(); // after the device: creating it loads the native library
        this.microphone = factory.createAudioTrack("microphone", source);
    }

    @Override
    public RtcConnection create(List<IceServer> iceServers, RtcConnection.Events events) {
        RTCConfiguration config = new RTCConfiguration();
        for (IceServer server : iceServers) {
            RTCIceServer ice = new RTCIceServer();
            ice.urls = new ArrayList<>(server.urls());
            ice.username = server.username();
            ice.password = server.credential();
            config.iceServers.add(ice);
        }
        JvmConnection connection = new JvmConnection(this, config, events);
        connections.add(connection);
        return connection;
    }

    RTCPeerConnection peerConnection(RTCConfiguration config, dev.onvoid.webrtc.PeerConnectionObserver observer) {
        return factory.createPeerConnection(config, observer);
    }

    AudioTrack microphone() {
        return microphone;
    }

    /** Whether a candidate line is on an address this client may use. */
    boolean usable(String candidateLine) {
        String[] parts = candidateLine.trim().split("\\s+");
        return parts.length > 4 && addresses.contains(parts[4]);
    }

    @Override
    public void setMicrophoneEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** A sending connection sent its first packet: the device's capture thread is running, stop it and play the tone. */
    synchronized void sending() {
        if (toneStarted) {
            return;
        }
        toneStarted = true;
        device.stopRecording();
        tone.scheduleAtFixedRate(this::pushTone, 0, 10, TimeUnit.MILLISECONDS);
    }

    private void pushTone() {
        byte[] pcm = new byte[FRAMES * 2];
        for (int i = 0; i < FRAMES; i++, sample++) {
            short v = enabled ? (short) (0.3 * Short.MAX_VALUE * Math.sin(2 * Math.PI * toneHz * sample / RATE)) : 0;
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        source.pushAudio(pcm, 16, RATE, 1, FRAMES);
    }

    /** Sums one kind of stats entry's numeric attribute over a report. */
    static double sum(RTCStatsReport report, RTCStatsType type, String attribute) {
        double total = 0;
        for (RTCStats stats : report.getStats().values()) {
            Object value = stats.getAttributes().get(attribute);
            if (stats.getType() == type && "audio".equals(stats.getAttributes().get("kind")) && value instanceof Number) {
                total += ((Number) value).doubleValue();
            }
        }
        return total;
    }

    /** Frees everything, in the order webrtc-java needs: connections, source, device, factory. */
    @Override
    public void close() {
        tone.shutdownNow();
        try {
            tone.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.forEach(JvmConnection::close);
        source.dispose();
        try {
            device.stopPlayout();
        } catch (RuntimeException e) {
            // never started: nothing played
        }
        factory.dispose();
        device.dispose();
        callbacks.shutdownNow();
    }

    static CompletableFuture<RTCStatsReport> stats(RTCPeerConnection pc) {
        CompletableFuture<RTCStatsReport> report = new CompletableFuture<>();
        pc.getStats(report::complete);
        return report;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }
}
