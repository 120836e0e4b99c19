package io.bifrost.bench.micro;

import io.bifrost.auth.Role;
import io.bifrost.rooms.cluster.LocalBus;
import io.bifrost.rooms.room.Ids;
import io.bifrost.rooms.room.LocalRooms;
import io.bifrost.rooms.room.Participant;
import io.bifrost.rooms.room.Room;
import io.bifrost.rooms.room.RoomException;
import io.bifrost.rooms.room.RoomMember;
import io.bifrost.auth.RoomMode;
import io.bifrost.signaling.protocol.Codec;
import io.bifrost.signaling.session.Fanout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One chat line posted to a room of {@code members} on one node and handed to each member's
 * session as its wire frame: the room's sequencing, the feed's ordered delivery and the
 * encode-once cache, without the network. Divide the time by {@code members} for the cost of
 * one delivery.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class FanoutBenchmark {
    private static final String ROOM = "bench";
    private static final String TEXT = "x".repeat(100);

    @Param({"100", "1000"})
    public int members;

    private LocalBus bus;
    private Room room;
    private String sender;
    /** Frames handed to sessions, and the last one: stores the JIT cannot drop, as queuing a frame is. */
    long delivered;
    Fanout.Encoded lastFrame;

    @Setup
    public void fillRoom() {
        bus = new LocalBus(64);
        // Rooms run their tasks on the caller's thread here: the benchmark measures the work, not a hand-off.
        LocalRooms rooms = new LocalRooms(bus, Runnable::run, members);
        Fanout fanout = new Fanout(new Codec());
        for (int i = 0; i < members; i++) {
            Participant p = new Participant(Ids.participant(), "member-" + i, null, Role.SPEAKER,
                    Role.SPEAKER.defaultGrants(), null);
            rooms.join(ROOM, p, Ids.session(), RoomMode.MESH, new RoomMember() {
                @Override
                public void joined(Room joinedRoom, Participant self, List<Participant> others, long seq) {
                    room = joinedRoom;
                    sender = self.id();
                    // What a session does with each event: take its frame, and queue it (here: consume it).
                    bus.subscribe(ROOM, seq, event -> {
                        lastFrame = fanout.encode(event);
                        delivered++;
                    });
                }

                @Override
                public void refused(RoomException reason) {
                    throw new IllegalStateException(reason);
                }

                @Override
                public void resumed(Room resumedRoom, Participant self, List<Participant> others, long seq) {}

                @Override
                public void resumeRefused(String why) {}
            });
        }
        delivered = 0;
    }

    @TearDown
    public void close() {
        bus.close();
    }

    @Benchmark
    public void postToEveryone() {
        room.chat(sender, TEXT, 1_763_800_000_000L, seq -> { }, refusal -> {
            throw new IllegalStateException(refusal);
        });
    }
}
