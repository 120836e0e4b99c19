package io.bifrost.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevKeyTest {

    @TempDir
    Path dir;

    @Test
    void createsA32ByteKeyAndItsParentDirectories() throws IOException {
        Path file = dir.resolve("home/.bifrost/dev.key");

        DevKey key = DevKey.loadOrCreate(file);

        assertThat(file).isRegularFile();
        assertThat(key.keyId()).isEqualTo(DevKey.KEY_ID).isEqualTo("dev");
        assertThat(key.secret()).hasSize(32);
        String stored = Files.readString(file, StandardCharsets.US_ASCII).strip();
        assertThat(Base64.getUrlDecoder().decode(stored)).isEqualTo(key.secret());
    }

    @Test
    void aLaterCallReadsTheSameKeyBack() throws IOException {
        Path file = dir.resolve("dev.key");

        DevKey first = DevKey.loadOrCreate(file);
        DevKey second = DevKey.loadOrCreate(file);

        assertThat(second.secret()).isEqualTo(first.secret());
    }

    @Test
    void eachNewFileGetsADifferentKey() throws IOException {
        assertThat(DevKey.loadOrCreate(dir.resolve("a.key")).secret())
                .isNotEqualTo(DevKey.loadOrCreate(dir.resolve("b.key")).secret());
    }

    @Test
    void theFileIsReadableAndWritableByItsOwnerOnly() throws IOException {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "POSIX file system");
        Path file = dir.resolve("dev.key");

        DevKey.loadOrCreate(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aCorruptFileFailsWithAnIoExceptionNamingTheFile() throws IOException {
        Path notBase64 = Files.writeString(dir.resolve("garbage.key"), "this is not base64url!\n");
        Path tooShort = Files.writeString(dir.resolve("short.key"),
                Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[16]));
        Path binary = Files.write(dir.resolve("binary.key"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});

        for (Path file : new Path[] {notBase64, tooShort, binary}) {
            assertThatThrownBy(() -> DevKey.loadOrCreate(file))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("corrupt");
        }
        assertThat(Files.readString(notBase64)).isEqualTo("this is not base64url!\n");
    }

    @Test
    void secretReturnsACopy() throws IOException {
        DevKey key = DevKey.loadOrCreate(dir.resolve("dev.key"));

        key.secret()[0] ^= 1;

        assertThat(key.secret()).isEqualTo(DevKey.loadOrCreate(dir.resolve("dev.key")).secret());
    }

    @Test
    void toStringDoesNotRevealTheSecret() throws IOException {
        DevKey key = DevKey.loadOrCreate(dir.resolve("dev.key"));

        assertThat(key.toString())
                .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(key.secret()))
                .contains("dev");
    }

    @Test
    void signsTokensThatAVerifierWithTheSameFileAccepts() throws Exception {
        Path file = dir.resolve("dev.key");
        DevKey serverSide = DevKey.loadOrCreate(file);
        DevKey cliSide = DevKey.loadOrCreate(file);

        String token = TokenIssuer.hmac(cliSide.keyId(), cliSide.secret())
                .issue(TokenRequest.builder("demo", "alice").role(Role.HOST).build());
        TokenVerifier verifier = TokenVerifier.builder().hmacKey(serverSide.keyId(), serverSide.secret()).build();

        assertThat(verifier.verify(token).role()).isEqualTo(Role.HOST);
    }
}
