package io.bifrost.signaling.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
        List<String> found = blocks(doc).stream().filter(b -> b.language().equals(language)).map(Block::text).toList();
        assertThat(found).as("```%s blocks in %s", language, doc).hasSize(1);
        return found.get(0);
    }

    /**
     * A fenced block of a Markdown file.
     *
     * @param line the line of its opening fence, from 1
     * @param language what follows the opening fence, empty when nothing does
     * @param text its lines, each ending in a newline
     */
    public record Block(Path file, int line, String language, String text) {}

    /** Every fenced block of a Markdown file, in order. */
    public static List<Block> blocks(Path markdown) throws IOException {
        List<Block> blocks = new ArrayList<>();
        List<String> lines = Files.readAllLines(markdown);
        for (int i = 0; i < lines.size(); i++) {
            String open = lines.get(i).strip();
            if (!open.startsWith("```")) {
                continue;
            }
            int start = i;
            StringBuilder text = new StringBuilder();
            while (++i < lines.size() && !lines.get(i).strip().startsWith("```")) {
                text.append(lines.get(i)).append('\n');
            }
            blocks.add(new Block(markdown, start + 1, open.substring(3).strip(), text.toString()));
        }
        return blocks;
    }

    /**
     * The commands of a shell block: its logical lines (a line ending in a backslash goes on in
     * the next), without comments and blank lines, runs of spaces made one.
     */
    public static List<String> commands(String shell) {
        List<String> commands = new ArrayList<>();
        for (String line : shell.replace("\\\n", " ").split("\n")) {
            String command = line.replaceAll("(^|\\s+)#(\\s.*)?$", "").strip().replaceAll("\\s+", " ");
            if (!command.isEmpty()) {
                commands.add(command);
            }
        }
        return commands;
    }

    /** Every Markdown file under {@code root}, but those of dependencies and build output. */
    public static List<Path> markdownFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".md") && Files.isRegularFile(f))
                    .filter(f -> !isSkipped(root.relativize(f)))
                    .sorted()
                    .toList();
        }
    }

    private static boolean isSkipped(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("node_modules") || name.equals("target") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
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
