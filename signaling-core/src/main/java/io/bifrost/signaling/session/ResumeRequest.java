package io.bifrost.signaling.session;

/**
 * A client's request, at connect, to take back a session whose connection dropped.
 *
 * @param sessionId the {@code sessionId} of its {@code joined}
 * @param lastSeq the last room {@code seq} it applied; -1 when the value it sent was no number
 */
public record ResumeRequest(String sessionId, long lastSeq) {

    /** @return null when the query parameters ask for no resume */
    public static ResumeRequest of(String session, String lastSeq) {
        if (session == null || session.isEmpty()) {
            return null;
        }
        long seq;
        try {
            seq = lastSeq == null ? -1 : Long.parseLong(lastSeq);
        } catch (NumberFormatException e) {
            seq = -1;
        }
        return new ResumeRequest(session, Math.max(seq, -1));
    }
}
