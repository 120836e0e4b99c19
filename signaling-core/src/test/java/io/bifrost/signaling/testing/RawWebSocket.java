package io.bifrost.signaling.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A websocket client over a plain socket bound to a local address of the caller's choice: a
 * loopback alias such as 127.0.0.2 is another client address to the node, so that limits per
 * address apply to it alone. The JDK's client can neither bind an address nor write what a
 * hostile client writes; this one writes frames as given, encoded once by {@link #text} and
 * {@link #binary}, so that a flood costs the sender a copy and the node the work.
 */
public final class RawWebSocket implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final int CLOSE = 0x8;

    private final Socket socket;
    private final InputStream in;   // buffered: it may hold frames that came with the answer's head
    private final OutputStream out;

    private RawWebSocket(Socket socket, InputStream in) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
    }

    /** How an upgrade went: an open websocket, or the refusal's status and body. */
    public record Attempt(RawWebSocket socket, int status, String body) {
        public boolean opened() {
            return socket != null;
        }
    }

    /** Each frame the node sends: its opcode and payload, in a buffer that the next frame reuses. */
    public interface Frames {
        void frame(int opcode, byte[] payload, int length);
    }

    /** Asks for an upgrade from {@code from} to the node on 127.0.0.1. */
    public static Attempt connect(InetAddress from, int port, String pathAndQuery) throws IOException {
        Socket socket = new Socket();
        try {
            // Closed with a reset: a storm of connections leaves no TIME_WAIT holding the alias's ports.
            socket.setSoLinger(true, 0);
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            RawHttp.write(socket, port, pathAndQuery, Map.of(), false);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 2048);
            String head = readHead(in);
            int status = Integer.parseInt(head.substring(9, 12));
            if (status == 101) {
                socket.setSoTimeout(0); // a reader waits for as long as the connection lasts
                return new Attempt(new RawWebSocket(socket, in), status, "");
            }
            socket.shutdownOutput(); // the refusal ends the exchange; EOF ends the body
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            socket.close();
            return new Attempt(null, status, head.toLowerCase().contains("transfer-encoding: chunked") ? RawHttp.dechunk(body) : body);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A masked text frame, as a client must send it. */
    public static byte[] text(String text) {
        return frame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A masked close frame with this status code. */
    public static byte[] close(int code) {
        return frame(0x8, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /** A masked binary frame. */
    public static byte[] binary(byte[] payload) {
        return frame(0x2, payload);
    }

    /** A masked text frame of any bytes, UTF-8 or not. */
    public static byte[] text(byte[] payload) {
        return frame(0x1, payload);
    }

    /**
     * A message in fragments, masked: a text frame without FIN, continuation frames, the last
     * with FIN.
     */
    public static byte[] fragments(String... parts) {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < parts.length; i++) {
            int fin = i == parts.length - 1 ? 0x80 : 0;
            frames.writeBytes(frameOf(fin | (i == 0 ? 0x1 : 0x0), parts[i].getBytes(StandardCharsets.UTF_8)));
        }
        return frames.toByteArray();
    }

    /**
     * The start of a masked text frame that announces this many bytes: its head and the first
     * byte (a parser looks at the length once some payload came). For a node to refuse by the head.
     */
    public static byte[] textStart(long payloadLength) {
        ByteArrayOutputStream start = new ByteArrayOutputStream(15);
        writeHead(start, 0x81, payloadLength);
        start.writeBytes(new byte[] {0, 0, 0, 0}); // a mask of zeros leaves the payload as it is
        start.write('x');
        return start.toByteArray();
    }

    /** Gives up a {@link #read} that hears nothing for this long. */
    public RawWebSocket readTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    /** Writes frames encoded beforehand, one or many in a row. */
    public void send(byte[] frames) throws IOException {
        out.write(frames);
    }

    /**
     * Reads the node's frames until the connection ends.
     *
     * @return the code of the node's close frame, or -1 when the connection ended (or the read
     *     timed out) without one
     */
    public int read(Frames frames) {
        try {
            DataInputStream in = new DataInputStream(this.in);
            byte[] payload = new byte[4096];
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                if (length > payload.length) {
                    payload = new byte[(int) length];
                }
                in.readFully(payload, 0, (int) length);
                int opcode = first & 0xf;
                if (opcode == CLOSE) {
                    return length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
                }
                frames.frame(opcode, payload, (int) length);
            }
        } catch (IOException ended) { // EOF or a reset: no close frame came
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static byte[] frame(int opcode, byte[] payload) {
        return frameOf(0x80 | opcode, payload);
    }

    /** @param first the frame's first byte: FIN and the opcode */
    private static byte[] frameOf(int first, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        writeHead(frame, first, payload.length);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    /** FIN and the opcode, the mask bit and the payload length; the mask key follows. */
    private static void writeHead(ByteArrayOutputStream out, int first, long length) {
        out.write(first);
        if (length < 126) {
            out.write(0x80 | (int) length);
        } else if (length <= 0xffff) {
            out.write(0x80 | 126);
            out.write((int) (length >>> 8));
            out.write((int) (length & 0xff));
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (length >>> shift) & 0xff);
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) { // \r\n\r\n
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the answer's head ended: " + head);
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
