package io.bifrost.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoleTest {

    @Test
    void wireNamesAreLowerCase() {
        assertThat(Role.HOST.wireName()).isEqualTo("host");
        assertThat(Role.SPEAKER.wireName()).isEqualTo("speaker");
        assertThat(Role.LISTENER.wireName()).isEqualTo("listener");
    }

    @Test
    void fromWireReadsEveryWireName() {
        for (Role role : Role.values()) {
            assertThat(Role.fromWire(role.wireName())).isEqualTo(role);
        }
    }

    @Test
    void fromWireRefusesOtherNamesAndNamesTheAllowedValues() {
        for (String bad : new String[] {"HOST", "admin", "", null}) {
            assertThatThrownBy(() -> Role.fromWire(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host, speaker, listener");
        }
    }

    @Test
    void defaultGrantsFollowTheRole() {
        assertThat(Role.HOST.defaultGrants()).isEqualTo(new Grants(true, true, true, true, false));
        assertThat(Role.SPEAKER.defaultGrants()).isEqualTo(new Grants(true, true, true, false, false));
        assertThat(Role.LISTENER.defaultGrants()).isEqualTo(new Grants(false, true, true, false, false));
    }
}
