package io.bifrost.bench.protocol;

import java.nio.charset.StandardCharsets;

/** Byte comparisons on frames, so that targets (and the websocket client) read them without parsing. */
public final class Frames {
    private Frames() {}

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code buf[offset, offset + length)} starts with {@code prefix}. */
    static boolean startsWith(byte[] buf, int offset, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Where {@code what} first occurs in {@code buf[from, to)}, or -1. */
    public static int indexOf(byte[] buf, int from, int to, byte[] what) {
        outer:
        for (int i = from; i <= to - what.length; i++) {
            for (int k = 0; k < what.length; k++) {
                if (buf[i + k] != what[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Where {@code what} last occurs in {@code buf[from, to)}, or -1. */
    static int lastIndexOf(byte[] buf, int from, int to, byte[] what) {
        outer:
        for (int i = to - what.length; i >= from; i--) {
            for (int k = 0; k < what.length; k++) {
                if (buf[i + k] != what[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * The string that starts at {@code at} and runs to the next double quote, e.g. the value after
     * a {@code "key":"} found with {@link #indexOf}; null when no quote closes it. Values read this
     * way are ids and offsets, which hold nothing JSON escapes.
     */
    static String stringAt(byte[] buf, int at, int to) {
        for (int i = at; i < to; i++) {
            if (buf[i] == '"') {
                return new String(buf, at, i - at, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The value of {@code "key":"…"} (key given with its quotes, colon and opening quote), or null. */
    static String string(byte[] buf, int offset, int length, byte[] key) {
        int at = indexOf(buf, offset, offset + length, key);
        return at < 0 ? null : stringAt(buf, at + key.length, offset + length);
    }

    /** The whole number that starts at {@code at}, or -1 when there is no digit there. */
    static long numberAt(byte[] buf, int at, int to) {
        long value = -1;
        for (int i = at; i < to && buf[i] >= '0' && buf[i] <= '9'; i++) {
            value = (value < 0 ? 0 : value * 10) + (buf[i] - '0');
        }
        return value;
    }

    /**
     * The relayed signal a frame is, given the prefixes that end where the sender's id starts
     * (e.g. {@code {"type":"offer","from":"}), or null.
     */
    static Signaling.Relayed relayed(byte[] buf, int offset, int length, byte[] offer, byte[] answer, byte[] candidate) {
        for (Signaling.Kind kind : Signaling.Kind.values()) {
            byte[] prefix = switch (kind) {
                case OFFER -> offer;
                case ANSWER -> answer;
                case CANDIDATE -> candidate;
            };
            if (startsWith(buf, offset, length, prefix)) {
                return new Signaling.Relayed(kind, stringAt(buf, offset + prefix.length, offset + length));
            }
        }
        return null;
    }
}
