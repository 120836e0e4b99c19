package io.bifrost.android;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * samples/android stays in line with this SDK: its sources compile against the SDK as built
 * here, the Android framework of the sample's minSdk (26, so that it calls nothing a device it
 * installs on lacks) and the sample's build of org.webrtc, at the sample's Java level (11). The
 * Gradle build itself needs the Android SDK, which this build does not install; what the sample
 * calls of this SDK, Android and org.webrtc is checked all the same.
 */
class SampleAppCompilesTest {
    private static final Path SAMPLE = Path.of(System.getProperty("bifrost.androidSample", "../samples/android"));
    private static final Path CLASS_PATH = Path.of(System.getProperty("bifrost.androidSampleClassPath", "target/android-sample"));

    @Test
    void theAndroidSampleCompilesAgainstThisSdk() throws Exception {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(SAMPLE.resolve("app/src/main/java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
        assertThat(sources).as("the sample's sources").isNotEmpty();

        List<Path> classPath = new ArrayList<>();
        classPath.add(CLASS_PATH.resolve("android-all.jar"));
        classPath.add(webRtcClasses(CLASS_PATH.resolve("android.aar")));
        for (Class<?> type : new Class<?>[] {BifrostClient.class, okhttp3.OkHttpClient.class, okio.Buffer.class, kotlin.Unit.class}) {
            classPath.add(codeSource(type)); // the SDK and what it exposes
        }
        Path out = Files.createDirectories(Path.of("target/android-sample/classes"));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = List.of("--release", "11", "-proc:none", "-d", out.toString(),
                    "-classpath", classPath.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator)));
            boolean compiled = javac.getTask(null, files, diagnostics, options, null,
                    files.getJavaFileObjectsFromPaths(sources)).call();
            List<String> errors = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                    .collect(Collectors.toList());
            assertThat(errors).as("what javac says of samples/android").isEmpty();
            assertThat(compiled).isTrue();
        }
        assertThat(out.resolve("io/bifrost/sample/MainActivity.class")).exists();
    }

    /** An AAR holds its classes in classes.jar. */
    private static Path webRtcClasses(Path aar) throws IOException {
        assertThat(aar).as("org.webrtc's AAR, copied by the build (maven-dependency-plugin)").exists();
        Path jar = aar.resolveSibling("webrtc-classes.jar");
        try (ZipFile zip = new ZipFile(aar.toFile())) {
            ZipEntry classes = zip.getEntry("classes.jar");
            assertThat(classes).as("classes.jar in %s", aar).isNotNull();
            try (InputStream in = zip.getInputStream(classes)) {
                Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return jar;
    }

    private static Path codeSource(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
