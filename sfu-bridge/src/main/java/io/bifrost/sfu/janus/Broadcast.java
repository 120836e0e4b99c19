package io.bifrost.sfu.janus;

import io.bifrost.sfu.EndpointListener;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What one bridge knows of one room's broadcast: its own publishers and subscribers in it, and the
 * edge copies it made for its subscribers. Touched only on the bridge's thread.
 */
final class Broadcast {
    final String room;
    /** Whether {@code open} was called here; a broadcast can also be known from a publish or subscribe. */
    boolean opened;
    /** The origin this bridge last used; compared with placement when nodes come and go. */
    URI origin;
    final Map<String, Publisher> publishers = new LinkedHashMap<>();
    final Map<String, Subscriber> subscribers = new LinkedHashMap<>();
    /** Keyed by {@link #copyKey}. */
    final Map<String, EdgeCopy> copies = new HashMap<>();

    Broadcast(String room) {
        this.room = room;
    }

    static String copyKey(String publisher, URI edge) {
        return publisher + "\u0000" + edge;
    }

    /** Whether any of this bridge's subscribers on {@code node} wants {@code publisher}. */
    boolean wanted(String publisher, URI node) {
        return subscribers.values().stream()
                .anyMatch(s -> s.node != null && s.node.uri().equals(node) && s.wanted.contains(publisher));
    }

    /** A publisher this bridge published; {@code handle} is 0 while it has none (before publishing, after its node died). */
    static final class Publisher {
        final String id;
        EndpointListener events;
        JanusConnection node;
        long handle;
        /** The mid of its audio, which {@code moderate} names. */
        String audioMid = "0";

        Publisher(String id, EndpointListener events) {
            this.id = id;
            this.events = events;
        }
    }

    /**
     * A subscription of this bridge. {@code node} is where it is placed; {@code handle} is 0 until
     * there is something to receive (Janus refuses a subscriber with no streams).
     */
    static final class Subscriber {
        final String id;
        EndpointListener events;
        Set<String> wanted = Set.of();
        JanusConnection node;
        long handle;
        /** The publishers Janus says this subscription receives, from its last {@code streams} list. */
        final Set<String> feeds = new HashSet<>();

        Subscriber(String id, EndpointListener events) {
            this.id = id;
            this.events = events;
        }
    }

    /**
     * A publisher forwarded from the origin to an edge: {@code add_remote_publisher} on the edge,
     * {@code publish_remotely} on the origin. Not {@code owned} when another bridge had already made it.
     */
    record EdgeCopy(String publisher, URI origin, URI edge, String remoteId, int port, boolean owned) {}
}
