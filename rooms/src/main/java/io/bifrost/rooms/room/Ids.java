package io.bifrost.rooms.room;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

    /** A webhook's id, which receivers use to spot a delivery they already had. */
    public static String hook() {
        return random("h_");
    }

    /**
     * The id of the hook recorded at {@code origin} (its room and stream entry): the same every
     * time the hook is read, so that a redelivery carries the id of the first delivery.
     */
    public static String hook(String origin) {
        try {
            return encode("h_", MessageDigest.getInstance("SHA-256").digest(origin.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    public static String node() {
        return random("n_");
    }

    private static String random(String prefix) {
        byte[] bytes = new byte[LENGTH];
        RANDOM.nextBytes(bytes);
        return encode(prefix, bytes);
    }

    private static String encode(String prefix, byte[] bytes) {
        StringBuilder id = new StringBuilder(prefix.length() + LENGTH).append(prefix);
        for (int i = 0; i < LENGTH; i++) {
            id.append(ALPHABET[bytes[i] & 31]);
        }
        return id.toString();
    }
}
