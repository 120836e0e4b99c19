package io.bifrost.sample;

import android.Manifest;
import android.app.Activity;
import android.content.pm.PackageManager;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.widget.Button;
import android.widget.EditText;
import android.widget.LinearLayout;
import android.widget.ScrollView;
import android.widget.TextView;
import io.bifrost.android.BifrostClient;
import io.bifrost.android.BifrostException;
import io.bifrost.android.ChatMessage;
import io.bifrost.android.Participant;
import io.bifrost.android.Room;
import io.bifrost.android.RoomListener;

/**
 * A live audio room in one screen: paste the server's URL and a join token from your backend
 * (or the dev token a local node prints), join, speak if your role lets you, raise your hand if
 * it does not. Events arrive on the main thread.
 */
public final class MainActivity extends Activity implements RoomListener {
    private static final int MICROPHONE = 1;

    private AndroidWebRtc webRtc;
    private BifrostClient client;
    private Room room;
    private TextView log;
    private Button speak;

    @Override
    protected void onCreate(Bundle saved) {
        super.onCreate(saved);
        webRtc = new AndroidWebRtc(this);
        // Activity.getMainExecutor() needs API 28; a main-looper Handler works from the minSdk on.
        Handler main = new Handler(Looper.getMainLooper());
        client = new BifrostClient.Builder().webRtc(webRtc).callbackExecutor(main::post).build();

        EditText url = new EditText(this);
        url.setHint("http://10.0.2.2:7800");
        EditText token = new EditText(this);
        token.setHint("join token");
        Button join = new Button(this);
        join.setText("Join");
        speak = new Button(this);
        speak.setText("Speak");
        Button hand = new Button(this);
        hand.setText("Raise hand");
        log = new TextView(this);

        join.setOnClickListener(v -> client.connect(url.getText().toString(), token.getText().toString(), this)
                .whenComplete((joined, failure) -> {
                    if (failure != null) {
                        show("not joined: " + failure.getMessage());
                        return;
                    }
                    room = joined;
                    show("joined " + joined.name() + " (" + joined.mode() + ") as " + joined.localParticipant().role());
                }));
        speak.setOnClickListener(v -> toggleSpeaking());
        hand.setOnClickListener(v -> {
            if (room != null) {
                room.raiseHand().whenComplete((done, failure) -> show(failure == null ? "hand raised" : failure.getMessage()));
            }
        });

        LinearLayout column = new LinearLayout(this);
        column.setOrientation(LinearLayout.VERTICAL);
        column.addView(url);
        column.addView(token);
        column.addView(join);
        column.addView(speak);
        column.addView(hand);
        ScrollView scroll = new ScrollView(this);
        scroll.addView(log);
        column.addView(scroll);
        setContentView(column);
    }

    private void toggleSpeaking() {
        if (room == null) {
            return;
        }
        if (checkSelfPermission(Manifest.permission.RECORD_AUDIO) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(new String[] {Manifest.permission.RECORD_AUDIO}, MICROPHONE);
            return;
        }
        if (room.localParticipant().publishing() || "Mute".contentEquals(speak.getText())) {
            room.unpublish().whenComplete((done, failure) -> speak.setText("Speak"));
        } else {
            room.publishMicrophone().whenComplete((done, failure) -> {
                if (failure != null) {
                    show("cannot speak: " + failure.getMessage()); // a listener: raise your hand
                } else {
                    speak.setText("Mute");
                }
            });
        }
    }

    @Override
    public void onRequestPermissionsResult(int requestCode, String[] permissions, int[] results) {
        if (requestCode == MICROPHONE && results.length > 0 && results[0] == PackageManager.PERMISSION_GRANTED) {
            toggleSpeaking();
        }
    }

    @Override public void onParticipantJoined(Room room, Participant p) { show(p.name() + " joined"); }
    @Override public void onParticipantLeft(Room room, Participant p, String reason) { show(p.name() + " left (" + reason + ")"); }
    @Override public void onParticipantUpdated(Room room, Participant p, String change) { show(p.name() + ": " + change); }
    @Override public void onAudioReceived(Room room, Participant p) { show("hearing " + p.name()); }
    @Override public void onChat(Room room, ChatMessage m) { show(m.from() + ": " + m.text()); }
    @Override public void onReconnecting(Room room, int attempt, long delayMillis) { show("reconnecting…"); }
    @Override public void onReconnected(Room room, String how) { show("back (" + how + ")"); }
    @Override public void onError(Room room, BifrostException error) { show(error.code() + ": " + error.getMessage()); }

    @Override
    public void onDisconnected(Room room, String reason, BifrostException error) {
        show("disconnected: " + reason);
        this.room = null;
    }

    private void show(String line) {
        log.append(line + "\n");
    }

    @Override
    protected void onDestroy() {
        if (room != null) {
            room.leave();
        }
        client.close();
        webRtc.close();
        super.onDestroy();
    }
}
