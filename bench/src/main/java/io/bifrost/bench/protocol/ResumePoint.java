package io.bifrost.bench.protocol;

/**
 * Where a participant's session stands, kept across its connections so that a new connection can
 * take the session back after a drop. Bifrost: the {@code sessionId} of {@code joined} and the
 * highest room {@code seq} applied; socket.io: the private session id ({@code pid}) of the
 * connect answer and the offset of the last event. Only a run that resumes sessions keeps one;
 * the IO thread that owns the participant's connection reads and writes it.
 */
public final class ResumePoint {
    private String session;
    private String position;

    /** The session to take back, or null before the first join. */
    public String session() {
        return session;
    }

    /** The last event applied (a seq, an offset), or null when none came. */
    public String position() {
        return position;
    }

    void session(String session) {
        this.session = session;
    }

    void position(String position) {
        this.position = position;
    }
}
