package io.bifrost.sfu.janus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JanusConfigTest {
    static final List<URI> NODES = List.of(URI.create("ws://10.0.0.2:8188"));

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        JanusConfig config = JanusConfig.of(NODES);

        assertThat(config.listenersPerNode()).isEqualTo(500);
        assertThat(config.keepaliveInterval()).isEqualTo(Duration.ofSeconds(25));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.rtpPortRange()).hasToString("20000-20999");
        assertThat(config.apiSecret()).isNull();
    }

    @Test
    void nonsenseIsRefusedAtOnce() {
        assertThatThrownBy(() -> JanusConfig.of(List.of())).hasMessageContaining("at least one");
        assertThatThrownBy(() -> JanusConfig.of(List.of(NODES.get(0), NODES.get(0)))).hasMessageContaining("twice");
        assertThatThrownBy(() -> JanusConfig.of(NODES).withListenersPerNode(0)).hasMessageContaining("listenersPerNode");
        assertThatThrownBy(() -> JanusConfig.of(NODES).withLiveness(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("pingInterval");
        assertThatThrownBy(() -> JanusConfig.PortRange.parse("20000")).hasMessageContaining("20000-20999");
        assertThatThrownBy(() -> new JanusConfig.PortRange(30000, 20000)).hasMessageContaining("not a port range");
    }

    @Test
    void aPortRangeIsParsedFromItsUsualSpelling() {
        assertThat(JanusConfig.PortRange.parse(" 30000 - 30099 ")).isEqualTo(new JanusConfig.PortRange(30000, 30099));
        assertThat(JanusConfig.PortRange.parse("30000-30099").size()).isEqualTo(100);
    }
}
