package io.bifrost.rooms.room;

import java.security.SecureRandom;

/** Random, unguessable ids: a participant id must not let anyone address a participant it never saw. */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray(); // Crockford base32
    /** 12 base32 characters = 60 random bits: collisions stay negligible far beyond a node's lifetime of ids. */
    private static final int LENGTH = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    public static String participant() {
        return random("p_");
    }

    public static String session() {
        return random("s_");
    }

    public static String node() {
        return random("n_");
    }

    private static String random(String prefix) {
        byte[] bytes = new byte[LENGTH];
        RANDOM.nextBytes(bytes);
        StringBuilder id = new StringBuilder(prefix.length() + LENGTH).append(prefix);
        for (byte b : bytes) {
            id.append(ALPHABET[b & 31]);
        }
        return id.toString();
    }
}
