package io.bifrost.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailoverTest {

    private static BitSet seqs(int... seqs) {
        BitSet set = new BitSet();
        for (int seq : seqs) {
            set.set(seq);
        }
        return set;
    }

    @Test
    void aMessageIsAcceptedWhenAnyParticipantReceivedIt() {
        // publisher 0 sent 0..3: 3 reached nobody (lost with the killed node); publisher 1 sent 0..1
        List<BitSet[]> seen = List.<BitSet[]>of(
                new BitSet[] {seqs(0, 1, 2), seqs(0, 1)},
                new BitSet[] {seqs(0, 2), seqs(1)},    // missed 0:1 and 1:0 while it was away
                new BitSet[] {seqs(1), null});         // never back after the kill: only 0:1 before it

        long accepted = Failover.accepted(seen, 2);

        assertThat(accepted).as("0:0, 0:1, 0:2, 1:0 and 1:1").isEqualTo(5);
        long deliveries = seen.stream().flatMap(p -> java.util.Arrays.stream(p)).mapToLong(s -> s == null ? 0 : s.cardinality()).sum();
        assertThat(accepted * seen.size() - deliveries).as("lost receipts: 0 + 2 + 4").isEqualTo(6);
    }

    @Test
    void nothingIsLostWhenEveryoneReceivedEverythingTheRoomHad() {
        List<BitSet[]> seen = List.<BitSet[]>of(new BitSet[] {seqs(0, 1)}, new BitSet[] {seqs(0, 1)});
        assertThat(Failover.accepted(seen, 1) * 2).isEqualTo(4);
        assertThat(Failover.accepted(List.<BitSet[]>of(new BitSet[] {null}), 1)).as("nothing received").isZero();
    }
}
