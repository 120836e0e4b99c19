package io.bifrost.sfu.janus;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Where a room's broadcast lives. Nodes are ranked per room by rendezvous (highest random weight)
 * hashing: every Bifrost node computes the same order without talking to the others, and a node
 * that joins or leaves moves only the rooms it ranks first for.
 */
final class Placement {
    private final List<URI> nodes;

    Placement(List<URI> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** All nodes, best first, for this room. */
    List<URI> order(String room) {
        return nodes.stream().sorted(Comparator.comparingLong((URI node) -> weight(room, node)).reversed()
                .thenComparing(URI::toString)).toList();
    }

    /** The room's origin: the first alive node in its order. */
    Optional<URI> origin(String room, Predicate<URI> alive) {
        return order(room).stream().filter(alive).findFirst();
    }

    /**
     * Where a new subscriber goes: the first alive node in the room's order (the origin first) that
     * has fewer than {@code cap} subscribers. When every alive node is full, the least loaded one:
     * a node over its cap serves worse, but a refused listener is not served at all.
     */
    Optional<URI> subscriberNode(String room, Predicate<URI> alive, ToIntFunction<URI> load, int cap) {
        List<URI> candidates = order(room).stream().filter(alive).toList();
        return candidates.stream().filter(n -> load.applyAsInt(n) < cap).findFirst()
                .or(() -> candidates.stream().min(Comparator.comparingInt(load)));
    }

    /** The first 8 bytes of SHA-256(room, node): stable across JVMs and releases, unlike String.hashCode. */
    static long weight(String room, URI node) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(room.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0); // so that ("ab","c") and ("a","bc") differ
            byte[] digest = sha.digest(node.toString().getBytes(StandardCharsets.UTF_8));
            long weight = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                weight = (weight << 8) | (digest[i] & 0xff);
            }
            return weight;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
