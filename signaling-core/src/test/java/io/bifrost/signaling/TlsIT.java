package io.bifrost.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.bifrost.auth.AdminGrants;
import io.bifrost.auth.Role;
import io.bifrost.signaling.testing.TestNode;
import io.bifrost.signaling.testing.TrustedCertificates;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server.tls: HTTPS and WSS on the node's port, and HTTPS on its admin port, from a PKCS#12 key
 * store, and a renewed certificate picked up without a restart. The key stores are made by the JDK's keytool.
 */
class TlsIT {
    private static final String PASSWORD = "key-store-password";

    @TempDir
    Path dir;

    @Test
    void theNodeSpeaksHttpsAndWssAndPicksUpARenewedCertificate() throws Exception {
        Path first = keyStore("first");
        Path renewed = keyStore("renewed");
        Path live = dir.resolve("live.p12");
        Files.copy(first, live);
        SSLContext client = trusting(first, renewed);

        try (TestNode node = TestNode.start(Map.of("server.tls.keyStore", live.toString(),
                "server.tls.keyStorePassword", PASSWORD, "server.tls.reloadInterval", "1s"))) {
            HttpClient https = HttpClient.newBuilder().sslContext(client).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + node.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            CompletableFuture<String> firstFrame = new CompletableFuture<>();
            WebSocket socket = https.newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + node.port() + "/rtc?access_token="
                    + node.token("tls-room", "ann", Role.SPEAKER)), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            firstFrame.complete(data.toString());
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            assertThat(firstFrame.get(5, TimeUnit.SECONDS)).contains("\"type\":\"joined\"");
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");

            Throwable plain = catchThrowable(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + node.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()));
            assertThat(plain).as("no plain HTTP on a TLS port").isNotNull();

            assertThat(serialSeen(client, node.port())).isEqualTo(serial(first));
            Path next = dir.resolve("next.p12");
            Files.copy(renewed, next);
            Files.move(next, live, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!serialSeen(client, node.port()).equals(serial(renewed)) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(serialSeen(client, node.port())).as("new connections get the renewed certificate").isEqualTo(serial(renewed));

            String admin = node.issuer().issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
            assertThat(https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + node.port() + "/api/v1/rooms"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("the REST API over HTTPS").isEqualTo(200);
        }
    }

    @Test
    void anAdminPortSpeaksHttpsToo() throws Exception {
        Path store = keyStore("admin");
        try (TestNode node = TestNode.start(Map.of("server.tls.keyStore", store.toString(),
                "server.tls.keyStorePassword", PASSWORD, "server.adminPort", "0"))) {
            int adminPort = node.node().adminPort();
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(store)).build();
            String admin = node.issuer().issueAdmin(AdminGrants.of(true, true, true), Duration.ofMinutes(5));
            HttpResponse<String> rooms = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + adminPort + "/api/v1/rooms"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(rooms.statusCode()).as("the REST API over HTTPS on the admin port").isEqualTo(200);
            assertThat(https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + adminPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("bifrost_connections");

            Throwable plain = catchThrowable(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + adminPort + "/api/v1/rooms")).header("Authorization", "Bearer " + admin).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertThat(plain).as("no plain HTTP on the admin port of a TLS node: the token would cross in the clear").isNotNull();
        }
    }

    /** A PKCS#12 key store with a self-signed certificate for localhost. */
    private Path keyStore(String name) throws Exception {
        Path file = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "bifrost", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", file.toString(), "-storepass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as("keytool: %s", output).isZero();
        return file;
    }

    private static X509Certificate certificate(Path keyStore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return (X509Certificate) store.getCertificate("bifrost");
    }

    private static String serial(Path keyStore) throws Exception {
        return certificate(keyStore).getSerialNumber().toString(16);
    }

    private static SSLContext trusting(Path... keyStores) throws Exception {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Path store : keyStores) {
            certificates.add(certificate(store));
        }
        return TrustedCertificates.trusting(certificates);
    }

    /** The serial number of the certificate a new TLS connection gets. */
    private static String serialSeen(SSLContext client, int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("localhost", port)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
        }
    }
}
