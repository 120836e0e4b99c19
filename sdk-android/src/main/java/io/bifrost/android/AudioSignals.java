package io.bifrost.android;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.json.JSONObject;

/** What the room's audio needs from the room: its signaling and its listener. */
interface AudioSignals {

    /** A fresh request id. */
    String nextId();

    /** Sends a request; completes with its answer ({@code ack}, or the SFU's {@code answer}) or fails with the refusal. */
    CompletableFuture<JSONObject> request(JSONObject frame);

    /**
     * Audio started to arrive on a track with these labels: it is from the participant whose id
     * one of them holds (a call's remote participant id, or the SFU's stream and track ids).
     */
    void audioReceived(List<String> labels);

    /** Something went wrong with the audio; the room goes on. */
    void failed(BifrostException error);
}
