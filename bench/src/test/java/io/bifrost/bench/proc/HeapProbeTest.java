package io.bifrost.bench.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class HeapProbeTest {

    @Test
    void theSerialCollectorsGenerationsAreAddedUpAndMetaspaceLeftOut() throws IOException {
        String serial = String.join("\n", "27935:",
                " def new generation   total 116224K, used 1000K [0x0000000687400000, 0x000000068f210000)",
                "  eden space 103360K,   0% used [0x0000000687400000, 0x0000000687400000)",
                " tenured generation   total 258048K, used 2241K [0x0000000704d50000, 0x0000000714950000)",
                " Metaspace       used 8942K, committed 9088K, reserved 1114112K",
                "  class space    used 1062K, committed 1152K, reserved 1048576K");
        assertThat(HeapProbe.jvmHeapUsed(serial)).isEqualTo(3241L * 1024);
    }

    @Test
    void g1sHeapIsOneLine() throws IOException {
        String g1 = String.join("\n", " garbage-first heap   total 262144K, used 20480K [0x00000000c0000000, 0x0000000100000000)",
                "  region size 1024K, 3 young (3072K), 0 survivors (0K)",
                " Metaspace       used 8942K, committed 9088K, reserved 1114112K");
        assertThat(HeapProbe.jvmHeapUsed(g1)).isEqualTo(20480L * 1024);
    }

    @Test
    void anAnswerWithoutAHeapIsAnError() {
        assertThatThrownBy(() -> HeapProbe.jvmHeapUsed("1234:\nCould not attach")).isInstanceOf(IOException.class)
                .hasMessageContaining("Could not attach");
    }

    @Test
    void aRunningJvmIsAsked() throws Exception {
        assertThat(HeapProbe.jvm(ProcessHandle.current().pid()).liveHeapBytes()).isPositive();
    }
}
