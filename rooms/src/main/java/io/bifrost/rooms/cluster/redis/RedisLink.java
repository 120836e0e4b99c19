package io.bifrost.rooms.cluster.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's connections to Redis, a single server or a Redis Cluster (found out by asking, so
 * one URL is all the configuration). One shared connection pipelines every command but the
 * blocking reads; each blocking reader gets a connection of its own, because a blocked
 * connection would hold up every command queued behind it.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);
    /** Lettuce's own shutdown waits this long for in-flight work; the node is stopping anyway. */
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 2;

    private final RedisClient standalone;       // null in cluster mode
    private final RedisClusterClient cluster;   // null on a single server
    private final RedisClusterAsyncCommands<String, String> commands;
    private final StatefulRedisClusterConnection<String, String> clusterConnection; // null on a single server
    private final StatefulRedisConnection<String, String> standaloneConnection;    // null in cluster mode
    private final List<StatefulConnection<String, String>> connections = new CopyOnWriteArrayList<>();

    private RedisLink(RedisClient standalone, RedisClusterClient cluster) {
        this.standalone = standalone;
        this.cluster = cluster;
        if (cluster != null) {
            this.clusterConnection = cluster.connect();
            this.standaloneConnection = null;
            connections.add(clusterConnection);
            this.commands = clusterConnection.async();
        } else {
            this.standaloneConnection = standalone.connect();
            this.clusterConnection = null;
            connections.add(standaloneConnection);
            this.commands = standaloneConnection.async();
        }
    }

    /**
     * @param urls one or more {@code redis://} or {@code rediss://} URLs, comma-separated; more
     *     than one only helps a cluster, as seeds
     * @param commandTimeout how long a command may wait for its answer, Redis hiccups included
     */
    public static RedisLink connect(String urls, Duration commandTimeout) {
        List<RedisURI> uris = new ArrayList<>();
        for (String url : urls.split(",")) {
            if (!url.isBlank()) {
                RedisURI uri = RedisURI.create(url.trim());
                uri.setTimeout(commandTimeout);
                uris.add(uri);
            }
        }
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("no Redis URL given");
        }
        RedisClient probe = RedisClient.create(uris.get(0));
        boolean clustered;
        try (StatefulRedisConnection<String, String> connection = probe.connect()) {
            clustered = connection.sync().info("cluster").contains("cluster_enabled:1");
        } catch (RuntimeException e) {
            probe.shutdown(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw e;
        }
        if (!clustered) {
            log.info("Cluster mode: rooms are shared through Redis at {}", redacted(uris.get(0)));
            return new RedisLink(probe, null);
        }
        probe.shutdown(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        RedisClusterClient client = RedisClusterClient.create(uris);
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                .build());
        log.info("Cluster mode: rooms are shared through the Redis Cluster at {}", redacted(uris.get(0)));
        return new RedisLink(null, client);
    }

    public boolean clustered() {
        return cluster != null;
    }

    /** The shared, pipelined connection. */
    RedisClusterAsyncCommands<String, String> commands() {
        return commands;
    }

    /**
     * Loads scripts on every master, so that they run by SHA-1 from the first call: a script
     * resent in full after a NOSCRIPT answer could overtake commands sent after it.
     */
    void load(Script... scripts) {
        for (Script script : scripts) {
            if (clusterConnection == null) {
                standaloneConnection.sync().scriptLoad(script.text());
                continue;
            }
            for (RedisClusterNode node : clusterConnection.getPartitions()) {
                if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                    clusterConnection.getConnection(node.getNodeId()).sync().scriptLoad(script.text());
                }
            }
        }
    }

    /** A new connection for one blocking reader, closed with the link. */
    RedisClusterCommands<String, String> blockingConnection() {
        if (cluster != null) {
            var connection = cluster.connect();
            connections.add(connection);
            return connection.sync();
        }
        StatefulRedisConnection<String, String> connection = standalone.connect();
        connections.add(connection);
        return connection.sync();
    }

    @Override
    public void close() {
        for (StatefulConnection<String, String> connection : connections) {
            connection.closeAsync();
        }
        if (cluster != null) {
            cluster.shutdown(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } else {
            standalone.shutdown(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Host and port only: a URL may carry a password. */
    private static String redacted(RedisURI uri) {
        return uri.getHost() + ":" + uri.getPort();
    }
}
