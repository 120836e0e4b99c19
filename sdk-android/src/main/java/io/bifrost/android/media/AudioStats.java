package io.bifrost.android.media;

/**
 * What the room's audio did so far, over every connection: what left for the others and what
 * arrived from them. {@code totalAudioEnergy} grows only while what arrives is not silence, so
 * it tells heard audio from packets of silence.
 */
public final class AudioStats {
    public static final AudioStats NONE = new AudioStats(0, 0, 0, 0, 0);

    private final long packetsSent;
    private final long bytesSent;
    private final long packetsReceived;
    private final long bytesReceived;
    private final double totalAudioEnergy;

    public AudioStats(long packetsSent, long bytesSent, long packetsReceived, long bytesReceived, double totalAudioEnergy) {
        this.packetsSent = packetsSent;
        this.bytesSent = bytesSent;
        this.packetsReceived = packetsReceived;
        this.bytesReceived = bytesReceived;
        this.totalAudioEnergy = totalAudioEnergy;
    }

    public long packetsSent() {
        return packetsSent;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long packetsReceived() {
        return packetsReceived;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public double totalAudioEnergy() {
        return totalAudioEnergy;
    }

    /** Both together: the stats of two connections as one. */
    public AudioStats plus(AudioStats other) {
        return new AudioStats(packetsSent + other.packetsSent, bytesSent + other.bytesSent,
                packetsReceived + other.packetsReceived, bytesReceived + other.bytesReceived,
                totalAudioEnergy + other.totalAudioEnergy);
    }

    @Override
    public String toString() {
        return "AudioStats[sent " + packetsSent + " packets/" + bytesSent + " B, received " + packetsReceived + " packets/"
                + bytesReceived + " B, energy " + totalAudioEnergy + "]";
    }
}
