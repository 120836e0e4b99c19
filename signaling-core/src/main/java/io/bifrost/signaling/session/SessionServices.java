package io.bifrost.signaling.session;

import io.bifrost.auth.RoomMode;
import io.bifrost.sfu.SfuBridge;

import io.bifrost.rooms.cluster.ClusterBus;
import io.bifrost.rooms.room.Rooms;
import io.bifrost.rooms.room.SpentTokens;
import io.bifrost.signaling.metrics.BifrostMetrics;
import io.bifrost.signaling.protocol.Codec;

/** What every session of a node shares; {@code sfu} is null when the node has none. */
record SessionServices(Rooms rooms, ClusterBus bus, Fanout fanout, Sessions sessions, Codec codec,
                       BifrostMetrics metrics, SessionLimits limits, IceServers iceServers,
                       RoomMode defaultMode, SfuBridge sfu, Audiences audiences, TokenRefresh tokens,
                       KeyedRateLimits roomMessages, SpentTokens spentTokens, Scheduler timer) {}
