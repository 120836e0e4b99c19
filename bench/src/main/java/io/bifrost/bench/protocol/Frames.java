package io.bifrost.bench.protocol;

import java.nio.charset.StandardCharsets;

/** Byte comparisons on frames, so that targets recognise messages without parsing them. */
final class Frames {
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
}
