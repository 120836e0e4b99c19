package io.bifrost.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The command line, run as a user runs it: a mistake is refused with a clear message before anything runs. */
class MainTest {
    @Test
    void aMisspeltOptionIsRefusedBeforeTheRun() throws Exception {
        Run run = bench("storm", "--target", "socket.io", "--url", "ws://127.0.0.1:9", "--connections", "10", "--conect-concurrency", "5");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("bench: bench storm takes no --conect-concurrency");
    }

    @Test
    void anOptionOfAnotherModeIsRefused() throws Exception {
        Run run = bench("load", "--target", "socket.io", "--url", "ws://127.0.0.1:9", "--subscribers", "1", "--publishers", "1",
                "--rate", "1", "--kill-pid", "1", "--candidates", "3");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("bench: bench load takes no --candidates, --kill-pid");
    }

    private record Run(int exitCode, String output) {}

    private static Run bench(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("bench exits").isTrue();
        return new Run(process.exitValue(), output);
    }
}
