package io.bifrost.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * The development signing key: an HMAC secret that {@code bifrost serve} creates on first start
 * and reuses afterwards, so that dev tokens survive restarts.
 *
 * <p>The file holds the secret in base64url and one newline, readable and writable by its owner
 * only where the file system has POSIX permissions. It is a development convenience: production
 * configures its own keys or a JWKS.
 */
public final class DevKey {

    /** The kid (and iss) of tokens signed with the dev key. */
    public static final String KEY_ID = "dev";

    /** 256 bits: what HS256 needs (RFC 7518, section 3.2). */
    static final int SECRET_BYTES = 32;

    /** Far more than a key in base64url (43 characters for 32 bytes); anything larger is not a key file. */
    private static final long MAX_FILE_BYTES = 1024;

    /** rw-------: the secret signs tokens for any room, so no other user may read it. */
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] secret;

    private DevKey(byte[] secret) {
        this.secret = secret;
    }

    /**
     * Reads the key from {@code file}, or creates the file (and its parent directories) with a new
     * random key when it does not exist.
     *
     * @throws IOException when the file cannot be read or written, or does not hold a key (the
     *                     message names the file)
     */
    public static DevKey loadOrCreate(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.exists(file)) {
            return read(file);
        }
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        byte[] content = (Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        // CREATE_NEW is atomic: when two processes start at once, one creates the file and the
        // other reads the key the first one wrote, so both sign with the same key.
        SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(file,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly(file));
        } catch (FileAlreadyExistsException e) {
            return read(file);
        }
        try (channel) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            // A half-written file would be read as corrupt on the next start; better no file.
            try {
                Files.deleteIfExists(file);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IOException("could not write the dev key to " + file + ": " + e.getMessage(), e);
        }
        return new DevKey(secret);
    }

    /**
     * The permissions to create the file with, set at creation so that the secret is never
     * readable by others, not even for a moment; none where the file system is not POSIX.
     */
    private static FileAttribute<?>[] ownerOnly(Path file) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(directory == null ? file.toAbsolutePath() : directory)
                .supportsFileAttributeView("posix");
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
    }

    private static DevKey read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException("dev key file " + file + " is corrupt: it is " + Files.size(file)
                    + " bytes long, a key file takes 44; delete it to create a new key");
        }
        // Latin-1 maps every byte to a char, so stray bytes reach the base64 check below instead
        // of failing the read with a message that does not name the file.
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).strip();
        byte[] secret;
        try {
            secret = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("dev key file " + file + " is corrupt: it does not hold base64url text;"
                    + " delete it to create a new key");
        }
        if (secret.length < SECRET_BYTES) {
            throw new IOException("dev key file " + file + " is corrupt: it holds " + secret.length
                    + " bytes, at least " + SECRET_BYTES + " are needed; delete it to create a new key");
        }
        return new DevKey(secret);
    }

    /** {@value #KEY_ID}. */
    public String keyId() {
        return KEY_ID;
    }

    /** The HMAC secret; a copy, so callers cannot change the key. */
    public byte[] secret() {
        return secret.clone();
    }

    /** Names the key, never the secret. */
    @Override
    public String toString() {
        return "DevKey[kid=" + KEY_ID + "]";
    }
}
