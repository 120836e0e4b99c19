package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Code blocks of the docs, run as they stand: what a reader copies must work. */
public final class DocSnippets {
    /** Where the test suite's npm packages (jose among them) are installed by ./scripts/test. */
    public static final Path NODE_PACKAGES = Path.of(System.getProperty("bifrost.browserHarness", "src/test/browser"));
    /** Debian's interpreter, where Debian's python3-jwt is installed. */
    public static final String PYTHON = "/usr/bin/python3";

    private DocSnippets() {}

    /** How a snippet ran: its exit code and what it printed (stdout and stderr). */
    public record Outcome(int exitCode, String output) {}

    /** The one fenced block of this language in a page of docs/. */
    public static String snippet(String page, String language) throws Exception {
        Path doc = Path.of(System.getProperty("bifrost.docs", "../docs"), page);
        Matcher blocks = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc));
        List<String> found = new ArrayList<>();
        while (blocks.find()) {
            found.add(blocks.group(1));
        }
        assertThat(found).as("```%s blocks in %s", language, doc).hasSize(1);
        return found.get(0);
    }

    /** Runs JavaScript as an ES module, where the npm packages are. */
    public static Outcome node(String code, Map<String, String> env) throws Exception {
        return run(List.of("node", "--input-type=module", "-e", code), NODE_PACKAGES, env);
    }

    public static Outcome python(String code, Map<String, String> env) throws Exception {
        return run(List.of(PYTHON, "-c", code), Path.of("."), env);
    }

    private static Outcome run(List<String> command, Path dir, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command.get(0)).isTrue();
        return new Outcome(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }
}
