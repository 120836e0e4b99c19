package io.bifrost.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fixed layout of a benchmark message, so that a receiver reads it by scanning bytes, with no
 * JSON parser and no allocation:
 *
 * <pre>
 * bnch:PPPPPP:SSSSSSSSSS:TTTTTTTTTTTTTTTT:xxxx…
 * </pre>
 *
 * P is the publisher's index, S its sequence number, T the send time in nanoseconds since the
 * run's origin (System.nanoTime of the same process, so sender and receiver share the clock),
 * each zero-padded decimal; filler pads the text to its size. The text holds no character that
 * JSON escapes, so it reaches the receiver byte for byte inside any frame around it.
 */
public final class Payload {
    static final byte[] MARK = "bnch:".getBytes(StandardCharsets.US_ASCII);
    private static final int PUBLISHER_DIGITS = 6;
    private static final int SEQ_DIGITS = 10;
    private static final int TIME_DIGITS = 16;
    static final int PUBLISHER_AT = MARK.length;
    static final int SEQ_AT = PUBLISHER_AT + PUBLISHER_DIGITS + 1;
    static final int TIME_AT = SEQ_AT + SEQ_DIGITS + 1;
    /** The smallest payload: the fields and the separator after the time. */
    public static final int MIN_BYTES = TIME_AT + TIME_DIGITS + 1;

    private Payload() {}

    /** A payload of {@code size} bytes for {@code publisher}, its sequence and time still zero. */
    public static byte[] template(int publisher, int size) {
        if (size < MIN_BYTES) {
            throw new IllegalArgumentException("payload must be at least " + MIN_BYTES + " bytes, was " + size);
        }
        byte[] text = new byte[size];
        Arrays.fill(text, (byte) 'x');
        System.arraycopy(MARK, 0, text, 0, MARK.length);
        writeDigits(text, PUBLISHER_AT, PUBLISHER_DIGITS, publisher);
        text[SEQ_AT - 1] = ':';
        writeDigits(text, SEQ_AT, SEQ_DIGITS, 0);
        text[TIME_AT - 1] = ':';
        writeDigits(text, TIME_AT, TIME_DIGITS, 0);
        text[TIME_AT + TIME_DIGITS] = ':';
        return text;
    }

    /** Writes sequence and send time into a payload that starts at {@code at} in {@code frame}. */
    static void stamp(byte[] frame, int at, long seq, long sentNanos) {
        writeDigits(frame, at + SEQ_AT, SEQ_DIGITS, seq);
        writeDigits(frame, at + TIME_AT, TIME_DIGITS, sentNanos);
    }

    /** Where the payload starts in {@code buf[from, to)}, or -1. */
    static int find(byte[] buf, int from, int to) {
        int last = to - MIN_BYTES;
        outer:
        for (int i = from; i <= last; i++) {
            if (buf[i] != 'b') {
                continue;
            }
            for (int k = 1; k < MARK.length; k++) {
                if (buf[i + k] != MARK[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static int publisher(byte[] buf, int at) {
        return (int) readDigits(buf, at + PUBLISHER_AT, PUBLISHER_DIGITS);
    }

    static long seq(byte[] buf, int at) {
        return readDigits(buf, at + SEQ_AT, SEQ_DIGITS);
    }

    static long sentNanos(byte[] buf, int at) {
        return readDigits(buf, at + TIME_AT, TIME_DIGITS);
    }

    private static void writeDigits(byte[] buf, int at, int digits, long value) {
        for (int i = at + digits - 1; i >= at; i--) {
            buf[i] = (byte) ('0' + (int) (value % 10));
            value /= 10;
        }
    }

    /** -1 when a byte is not a digit: a mangled payload. */
    private static long readDigits(byte[] buf, int at, int digits) {
        long value = 0;
        for (int i = at; i < at + digits; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }
}
