package io.bifrost.rooms.cluster.redis;

import io.bifrost.rooms.hooks.HookQueue;
import io.bifrost.rooms.hooks.QueuedHook;
import io.bifrost.rooms.room.Ids;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's hooks: one Redis stream per room, written by the room scripts in the same step
 * as the change (see {@link RoomScripts}), so a node that stops or dies loses none. A node
 * delivers a room's hooks while it holds the room's lease; a lease that is not renewed expires,
 * and a node that finds the room in {@link Keys#HOOK_ROOMS} takes it over.
 */
public final class RedisHookQueue implements HookQueue {
    private static final Logger log = LoggerFactory.getLogger(RedisHookQueue.class);
    /** How often rooms whose delivering node went away are looked for. */
    private static final long POLL_MILLIS = 1000;
    /** Rooms looked at per poll: a random sample, so that every room comes up in time. */
    private static final int POLL_ROOMS = 256;
    /** Dead webhooks kept for operators; the oldest go first. */
    private static final long DEAD_LETTERS = 10_000;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final String node;
    private final String leaseMillis;
    private final EventCodec codec;
    /** The rooms this node holds the lease of. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService poller;
    private volatile Consumer<String> holder;

    /**
     * @param lease how long a room stays with a node that stopped renewing: longer than any one
     *     delivery attempt and the pause before the next
     */
    public RedisHookQueue(RedisStreamsBus bus, Duration lease) {
        this.redis = bus.redis();
        this.node = bus.nodeId();
        this.leaseMillis = Long.toString(lease.toMillis());
        this.codec = bus.codec();
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bifrost-hook-poll");
            thread.setDaemon(true);
            return thread;
        });
        bus.link().load(HookScripts.ALL);
    }

    @Override
    public void start(Consumer<String> holder) {
        this.holder = holder;
        poller.scheduleWithFixedDelay(this::poll, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A room script may have recorded hooks: the room is listed, and taken unless another node has it. */
    void written(String room) {
        if (!held.contains(room)) {
            redis.sadd(Keys.HOOK_ROOMS, room).thenRun(() -> claim(room));
        }
    }

    private void poll() {
        try {
            redis.srandmember(Keys.HOOK_ROOMS, POLL_ROOMS).thenAccept(rooms -> rooms.forEach(this::claim))
                    .toCompletableFuture().get(POLL_MILLIS * 5, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Looking for rooms with webhooks to deliver failed: {}", e.toString());
        }
    }

    private void claim(String room) {
        Consumer<String> to = holder;
        if (to == null || held.contains(room)) {
            return;
        }
        redis.set(Keys.hookLease(room), node, SetArgs.Builder.nx().px(Long.parseLong(leaseMillis))).thenAccept(ok -> {
            if ("OK".equals(ok) && held.add(room)) {
                to.accept(room);
            }
        });
    }

    @Override
    public CompletionStage<Optional<QueuedHook>> head(String room) {
        return HookScripts.HEAD.<List<Object>>run(redis, ScriptOutputType.MULTI, keys(room), node, leaseMillis).thenApply(result -> {
            if ((Long) result.get(0) == 0) {
                log.info("Room {}: another node now delivers its webhooks", room);
                return Optional.empty();
            }
            if (result.size() == 1) {
                return Optional.empty();
            }
            String entry = (String) result.get(1);
            long createdAt = Long.parseLong(entry.substring(0, entry.indexOf('-')));
            return Optional.of(new QueuedHook(Ids.hook(room + " " + entry), createdAt,
                    codec.decodeHook(room, (String) result.get(2)), entry));
        });
    }

    @Override
    public CompletionStage<Boolean> renew(String room) {
        return HookScripts.RENEW.<Long>run(redis, ScriptOutputType.INTEGER, keys(room), node, leaseMillis)
                .thenApply(renewed -> renewed == 1);
    }

    @Override
    public CompletionStage<Void> remove(String room, QueuedHook hook) {
        return redis.xdel(Keys.hooks(room), hook.ref()).thenApply(deleted -> null);
    }

    @Override
    public CompletionStage<Void> deadLetter(String room, String event, String body, String why) {
        return redis.xadd(Keys.DEAD_HOOKS, new XAddArgs().maxlen(DEAD_LETTERS).approximateTrimming(),
                Map.of("room", room, "event", event, "body", body, "error", why, "node", node)).thenApply(id -> null);
    }

    @Override
    public CompletionStage<Boolean> release(String room) {
        return HookScripts.RELEASE.<Long>run(redis, ScriptOutputType.INTEGER, keys(room), node).thenCompose(released -> {
            if (released == 0) {
                return CompletableFuture.completedFuture(false);
            }
            held.remove(room);
            // Listed again if hooks came between the release and the unlisting: their node may have
            // found the lease still held, and only a poll would find them now.
            return redis.srem(Keys.HOOK_ROOMS, room).thenCompose(removed -> redis.exists(Keys.hooks(room)))
                    .thenApply(left -> {
                        if (left > 0) {
                            written(room);
                        }
                        return true;
                    });
        });
    }

    @Override
    public int pendingHere() {
        return 0; // everything waits in Redis, for any node
    }

    /** Stops taking rooms and gives up those held, so that another node goes on at once. */
    @Override
    public void close() {
        holder = null;
        poller.shutdownNow();
        for (String room : held) {
            try {
                HookScripts.ABANDON.run(redis, ScriptOutputType.INTEGER, keys(room), node).toCompletableFuture()
                        .get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("Room {}: its webhook lease could not be given up; it expires by itself", room);
            }
        }
        held.clear();
    }

    private static String[] keys(String room) {
        return new String[] {Keys.hooks(room), Keys.hookLease(room)};
    }
}
