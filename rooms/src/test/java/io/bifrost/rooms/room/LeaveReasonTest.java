package io.bifrost.rooms.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LeaveReasonTest {

    @Test
    void everyReasonIsReadBackFromItsWireName() {
        for (LeaveReason reason : LeaveReason.values()) {
            assertThat(LeaveReason.fromWire(reason.wireName())).isSameAs(reason);
        }
    }

    @Test
    void aDeadNodesParticipantsLeaveWithNodeFailure() {
        assertThat(LeaveReason.NODE_FAILURE.wireName()).isEqualTo("node-failure");
        assertThat(LeaveReason.fromWire("node-failure")).isSameAs(LeaveReason.NODE_FAILURE);
    }

    @Test
    void anUnknownWireNameIsRefusedWithTheName() {
        assertThatThrownBy(() -> LeaveReason.fromWire("vanished"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vanished");
        assertThatThrownBy(() -> LeaveReason.fromWire("NODE_FAILURE"))
                .as("wire names are exact").isInstanceOf(IllegalArgumentException.class);
    }
}
