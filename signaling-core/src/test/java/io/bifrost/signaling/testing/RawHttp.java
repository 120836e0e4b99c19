package io.bifrost.signaling.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Websocket handshakes over a plain socket: to read the HTTP answer to a refused upgrade (the
 * JDK client hides its body), and to make a client that connects and then never reads.
 */
public final class RawHttp {
    /** A fixed key is fine: the server only echoes its hash. */
    private static final String WEBSOCKET_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final int TIMEOUT_MILLIS = 10_000;

    private RawHttp() {}

    public record Reply(int status, String headers, String body) {}

    /** Sends an upgrade request and reads the whole answer; for refusals. */
    public static Reply upgrade(int port, String pathAndQuery, Map<String, String> headers) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            write(socket, port, pathAndQuery, headers, true);
            byte[] all = socket.getInputStream().readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            String head = text.substring(0, split);
            String body = new String(all, split + 4, all.length - split - 4, StandardCharsets.UTF_8);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            int status = Integer.parseInt(head.substring(9, 12));
            return new Reply(status, head, body);
        }
    }

    /**
     * Opens an upgraded connection that reads the 101 answer and then nothing more: its receive
     * window fills and the server must cope.
     */
    public static Socket nonReadingClient(int port, String pathAndQuery) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096); // before connect, so the window it advertises stays small
        socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        write(socket, port, pathAndQuery, Map.of(), false);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during handshake: " + head);
            }
            head.write(b);
        }
        if (!head.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head);
        }
        return socket;
    }

    static void write(Socket socket, int port, String pathAndQuery, Map<String, String> headers, boolean close)
            throws IOException {
        StringBuilder request = new StringBuilder()
                .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(WEBSOCKET_KEY).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (close) {
            socket.shutdownOutput(); // a refused upgrade ends the exchange; EOF ends our read
        }
    }

    static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int pos = 0;
        while (pos < chunked.length()) {
            int lineEnd = chunked.indexOf("\r\n", pos);
            int size = Integer.parseInt(chunked.substring(pos, lineEnd).trim(), 16);
            if (size == 0) {
                break;
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            pos = lineEnd + 2 + size + 2;
        }
        return body.toString();
    }
}
