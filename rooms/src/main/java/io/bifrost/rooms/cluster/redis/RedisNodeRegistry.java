package io.bifrost.rooms.cluster.redis;

import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of a cluster, each alive while it keeps beating. Every node beats once a second and,
 * in the same script, claims the nodes that stopped: a claimed node is removed from the registry
 * by exactly one survivor, which then takes its participants out of their rooms
 * ({@code node-failure}) and deletes its inbox. Times are Redis's clock, so node clocks may differ.
 */
public final class RedisNodeRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisNodeRegistry.class);
    /** One beat a second: with DEAD_AFTER below, a dead node is claimed within about 4 s. */
    static final long BEAT_MILLIS = 1000;
    /** Three missed beats: long enough for a GC pause or a slow round trip, short enough to find the dead within 5 s. */
    static final long DEAD_AFTER_MILLIS = 3000;
    /**
     * When no node beat for this long, Redis itself stalled (paused, or unreachable for everyone):
     * every node then looks dead, so nobody is claimed until all had time to beat again.
     */
    static final long STALL_MILLIS = 2000;
    static final long QUIET_AFTER_STALL_MILLIS = 2 * DEAD_AFTER_MILLIS;

    /**
     * KEYS: registry, last-checked, quiet-until. ARGV: node, dead-after, stall, quiet-for.
     * Returns {1 if the node was registered before this beat, dead nodes claimed}.
     */
    private static final Script BEAT = new Script("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
            redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
            local last = tonumber(redis.call('GET', KEYS[2]) or '0')
            redis.call('SET', KEYS[2], string.format('%d', now))
            if now - last > tonumber(ARGV[3]) then
              redis.call('SET', KEYS[3], string.format('%d', now + tonumber(ARGV[4])))
            end
            local dead = {}
            if now >= tonumber(redis.call('GET', KEYS[3]) or '0') then
              dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - tonumber(ARGV[2])))
              for _, node in ipairs(dead) do redis.call('ZREM', KEYS[1], node) end
            end
            return {known and 1 or 0, dead}
            """);

    private final RedisStreamsBus bus;
    private final RedisRooms rooms;
    private final Runnable evicted;
    private final ScheduledExecutorService beat;
    private volatile boolean registered; // written by the beat thread

    /** @param evicted runs when the others declared this node dead (it stalled): its sessions are gone from their rooms */
    public RedisNodeRegistry(RedisStreamsBus bus, RedisRooms rooms, Runnable evicted) {
        this.bus = bus;
        this.rooms = rooms;
        this.evicted = evicted;
        bus.link().load(BEAT);
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bifrost-node-beat");
            thread.setDaemon(true);
            return thread;
        });
    }

    public RedisNodeRegistry start() {
        beat.scheduleAtFixedRate(this::beat, 0, BEAT_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Leaves the registry: for a node that stopped cleanly, after its participants left. */
    @Override
    public void close() {
        beat.shutdownNow();
        String node = bus.nodeId();
        try {
            bus.redis().zrem(Keys.REGISTRY, node).get(2, TimeUnit.SECONDS);
            bus.redis().del(Keys.inbox(node)).get(2, TimeUnit.SECONDS);
            bus.redis().del(Keys.nodeRooms(node)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Could not leave the node registry cleanly; the others will find this node gone: {}", e.toString());
        }
    }

    private void beat() {
        try {
            List<Object> answer = BEAT.<List<Object>>run(bus.redis(), ScriptOutputType.MULTI,
                    new String[] {Keys.REGISTRY, Keys.REGISTRY_CHECKED, Keys.REGISTRY_QUIET_UNTIL},
                    bus.nodeId(), Long.toString(DEAD_AFTER_MILLIS), Long.toString(STALL_MILLIS),
                    Long.toString(QUIET_AFTER_STALL_MILLIS)).toCompletableFuture().get(DEAD_AFTER_MILLIS, TimeUnit.MILLISECONDS);
            boolean known = (Long) answer.get(0) == 1;
            if (registered && !known) {
                log.error("Node {} was declared dead by the cluster (it stalled); its sessions are dropped", bus.nodeId());
                evicted.run();
            }
            registered = true;
            for (Object dead : (List<?>) answer.get(1)) {
                reap((String) dead);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Node {} could not beat: {}", bus.nodeId(), e.toString());
        }
    }

    private void reap(String deadNode) {
        log.warn("Node {} stopped beating; its participants leave their rooms", deadNode);
        bus.redis().smembers(Keys.nodeRooms(deadNode)).thenCompose(roomNames -> {
            CompletableFuture<?>[] reaped = roomNames.stream()
                    .map(room -> rooms.reap(deadNode, room).toCompletableFuture())
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(reaped);
        }).thenCompose(done -> bus.redis().del(Keys.nodeRooms(deadNode), Keys.inbox(deadNode)))
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        log.error("Cleaning up after node {} failed", deadNode, failure);
                    }
                });
    }

}
