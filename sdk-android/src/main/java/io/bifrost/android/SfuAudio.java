package io.bifrost.android;

import io.bifrost.android.media.AudioStats;
import io.bifrost.android.media.IceCandidate;
import io.bifrost.android.media.IceServer;
import io.bifrost.android.media.RtcConnection;
import io.bifrost.android.media.WebRtc;
import io.bifrost.android.protocol.Frames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.json.JSONObject;

/**
 * A broadcast room's audio, through the room's SFU (addressed as {@code sfu}): a publisher
 * connection that sends the microphone, which this side offers, and a subscriber connection
 * that receives every speaker, which the SFU offers (again whenever speakers come and go). An
 * SFU offer with other ICE credentials than the last belongs to a new SFU connection (the
 * subscription moved to another SFU node): it is answered on a new connection.
 */
final class SfuAudio {
    private static final String SFU = "sfu";

    private final WebRtc webRtc;
    private final AudioSignals signals;
    private volatile List<IceServer> iceServers;
    private final Object lock = new Object();
    private Leg publisher;     // guarded by lock
    private Leg subscriber;    // guarded by lock
    private String subscriberUfrag;
    /** The SFU's offers are applied one at a time, in arrival order. */
    private CompletableFuture<Void> offers = CompletableFuture.completedFuture(null);

    SfuAudio(WebRtc webRtc, AudioSignals signals, List<IceServer> iceServers) {
        this.webRtc = webRtc;
        this.signals = signals;
        this.iceServers = iceServers;
    }

    boolean publishing() {
        synchronized (lock) {
            return publisher != null;
        }
    }

    /** Sends the microphone to the SFU on a new publisher connection; fails with the server's refusal. */
    CompletableFuture<Void> publish() {
        Leg leg = new Leg("publisher");
        synchronized (lock) {
            if (publisher != null) {
                publisher.close();
            }
            publisher = leg;
        }
        leg.connection.addAudio(RtcConnection.Direction.SEND_ONLY);
        return leg.connection.offer()
                .thenCompose(sdp -> signals.request(Frames.description("offer", signals.nextId(), SFU, sdp)))
                .thenCompose(answer -> leg.connection.acceptAnswer(answer.getString("sdp")))
                .thenCompose(set -> leg.candidates.described())
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        closePublisher(leg);
                    }
                });
    }

    /** Closes the publisher without telling the server, which stopped it already (a demotion). */
    void dropPublisher() {
        Leg leg;
        synchronized (lock) {
            leg = publisher;
            publisher = null;
        }
        if (leg != null) {
            leg.close();
        }
    }

    /** Stops sending and tells the server. */
    CompletableFuture<Void> unpublish() {
        Leg leg;
        synchronized (lock) {
            leg = publisher;
            publisher = null;
        }
        if (leg == null) {
            return CompletableFuture.completedFuture(null);
        }
        leg.close();
        return signals.request(Frames.request("unpublish", signals.nextId())).thenApply(ack -> null);
    }

    /**
     * The server let go of this session's SFU connections (a resume, or the SFU node was lost):
     * the subscriber waits for the SFU's next offer; a publisher publishes again.
     *
     * @param iceServers the servers the node handed out this time
     */
    void restart(List<IceServer> iceServers, boolean subscriberToo) {
        this.iceServers = iceServers;
        boolean republish;
        synchronized (lock) {
            republish = publisher != null;
            if (subscriberToo && subscriber != null) {
                subscriber.close();
                subscriber = null;
                subscriberUfrag = null;
            }
        }
        if (republish) {
            publish().exceptionally(e -> {
                signals.failed(BifrostException.of("publishing again", e));
                return null;
            });
        }
    }

    /** An offer or candidate from the SFU. */
    void onSignal(JSONObject frame) {
        String target = frame.optString("target", "subscriber");
        String type = frame.getString("type");
        if (type.equals("sfu-reset")) {
            restart(iceServers, false);
            return;
        }
        if (type.equals("candidate")) {
            Leg leg;
            synchronized (lock) {
                leg = target.equals("publisher") ? publisher : subscriber;
            }
            if (leg != null && !frame.isNull("candidate")) {
                leg.candidates.add(Candidates.of(frame.getJSONObject("candidate"))).exceptionally(e -> null);
            }
            return;
        }
        if (type.equals("offer")) {
            String sdp = frame.getString("sdp");
            chain(() -> answer(sdp));
        }
    }

    private CompletableFuture<Void> answer(String offer) {
        String ufrag = ufrag(offer);
        Leg leg;
        synchronized (lock) {
            if (subscriber == null || !ufrag.equals(subscriberUfrag)) {
                if (subscriber != null) {
                    subscriber.close();
                }
                subscriber = new Leg("subscriber");
                subscriberUfrag = ufrag;
            }
            leg = subscriber;
        }
        return leg.connection.answer(offer)
                .thenCompose(sdp -> signals.request(Frames.description("answer", signals.nextId(), SFU, sdp)))
                .thenCompose(ack -> leg.candidates.described());
    }

    private synchronized void chain(Supplier<CompletableFuture<Void>> step) {
        offers = offers.thenCompose(done -> step.get()).exceptionally(e -> {
            signals.failed(BifrostException.of("answering the SFU", e));
            return null;
        });
    }

    CompletableFuture<AudioStats> stats() {
        List<Leg> legs = new ArrayList<>(2);
        synchronized (lock) {
            if (publisher != null) {
                legs.add(publisher);
            }
            if (subscriber != null) {
                legs.add(subscriber);
            }
        }
        CompletableFuture<AudioStats> sum = CompletableFuture.completedFuture(AudioStats.NONE);
        for (Leg leg : legs) {
            sum = sum.thenCombine(leg.connection.audioStats().exceptionally(e -> AudioStats.NONE), AudioStats::plus);
        }
        return sum;
    }

    void close() {
        synchronized (lock) {
            if (publisher != null) {
                publisher.close();
            }
            if (subscriber != null) {
                subscriber.close();
            }
            publisher = null;
            subscriber = null;
        }
    }

    private void closePublisher(Leg leg) {
        synchronized (lock) {
            if (publisher == leg) {
                publisher = null;
            }
        }
        leg.close();
    }

    /** The {@code a=ice-ufrag} of an SDP: which SFU connection an offer belongs to. */
    static String ufrag(String sdp) {
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("a=ice-ufrag:")) {
                return line.substring("a=ice-ufrag:".length()).trim();
            }
        }
        return "";
    }

    /** One connection with the SFU. */
    private final class Leg implements RtcConnection.Events {
        final String target;
        final RtcConnection connection;
        final PendingCandidates candidates;
        private volatile boolean closed;

        Leg(String target) {
            this.target = target;
            this.connection = webRtc.create(iceServers, this);
            this.candidates = new PendingCandidates(connection);
        }

        @Override
        public void onIceCandidate(IceCandidate candidate) {
            if (!closed) {
                signals.request(Frames.candidate(signals.nextId(), SFU, candidate == null ? null : Candidates.json(candidate), target))
                        .exceptionally(e -> null); // a connection the server already dropped
            }
        }

        @Override
        public void onRemoteAudio(String trackId, List<String> streamIds) {
            if (closed) {
                return;
            }
            List<String> labels = new ArrayList<>(streamIds);
            labels.add(trackId);
            signals.audioReceived(labels);
        }

        void close() {
            closed = true;
            connection.close();
        }
    }
}
