package io.bifrost.bench.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A connection as a target sees it, recording what the target sends on it. */
final class TestClient implements Target.Client {
    final List<String> sent = new ArrayList<>();
    private final String room;
    private final ResumePoint resumePoint;

    TestClient(String room, ResumePoint resumePoint) {
        this.room = room;
        this.resumePoint = resumePoint;
    }

    @Override
    public void sendText(byte[] text) {
        sent.add(new String(text, StandardCharsets.UTF_8));
    }

    @Override
    public String room() {
        return room;
    }

    @Override
    public ResumePoint resumePoint() {
        return resumePoint;
    }

    /** Classifies {@code frame}, placed at an offset so that targets must respect it. */
    Target.Inbound classify(Target target, String frame) {
        byte[] bytes = ("xx" + frame).getBytes(StandardCharsets.UTF_8);
        return target.classify(bytes, 2, bytes.length - 2, this);
    }

    static byte[] bytes(String frame) {
        return frame.getBytes(StandardCharsets.UTF_8);
    }
}
