package io.bifrost.bench.load;

import io.bifrost.bench.protocol.Frames;
import io.bifrost.bench.protocol.ResumePoint;
import io.bifrost.bench.protocol.Target;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One websocket client connection on a non-blocking channel (RFC 6455, the subset a benchmark
 * needs): the upgrade, masked client frames, unmasked server frames, ping, pong, close and
 * fragmented messages. It is owned by one {@link IoLoop} and touched by that loop's thread only.
 *
 * <p>A hand-written client rather than a library one keeps the generator's own cost low and
 * predictable: inbound frames are scanned in place in one buffer per connection, outbound frames
 * are built in the loop's scratch buffer, and nothing is allocated per message.
 *
 * <p>A connection is one participant's: when a run resumes dropped sessions, the same object
 * {@linkplain #reopen opens again} on a new socket, keeping what the participant received.
 */
final class WsConnection implements Target.Client {
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;
    private static final int INITIAL_IN = 8 * 1024;
    /** A late joiner's {@code joined} lists everyone in the room; buffers grown for it shrink back. */
    private static final int KEEP_IN = 64 * 1024;
    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    enum State { CONNECTING, UPGRADING, OPEN, JOINED, CLOSED }

    /** What the connection tells its loop. */
    interface Sink {
        void onText(WsConnection connection, byte[] buf, int offset, int length, long receivedAt);

        /** @param joined whether the connection had joined its room before it closed */
        void onClosed(WsConnection connection, boolean joined, String reason);
    }

    final int index;
    final String identity;
    /** The publisher's number, or -1 for a subscriber. */
    final int publisherIndex;
    final Participant participant;
    /** The loopback address the connection's socket is bound to, or null for the kernel's choice. */
    private final InetAddress source;
    private final Sink sink;
    private final ByteBuffer scratch;

    private InetSocketAddress address;
    private byte[] upgradeRequest;
    private SocketChannel channel;
    private SelectionKey key;
    /** Volatile: a run waiting for participants to come back reads it from its own thread. */
    private volatile State state = State.CONNECTING;
    private ByteBuffer in = ByteBuffer.allocate(INITIAL_IN);
    /** Bytes the socket did not take yet, ready to write; null when everything went out. */
    private ByteBuffer out;
    private byte[] fragments;
    private int fragmentsLength;

    /** The sequence numbers received per publisher, within the measurement window. */
    BitSet[] seen;
    /** Publishing state, used by publishers only. */
    Publishing publishing;
    long nextKeepaliveAt;
    /** When the socket was opened (System.nanoTime): a join's time counts from here. */
    long openedAt;
    /** Whether the participant joined once: a later join or resume is a comeback. */
    boolean everJoined;
    /** The participant sent its leave: the close that follows is the end it asked for. */
    boolean leaving;
    /** The participant's session, kept when the run resumes dropped sessions; null otherwise. */
    ResumePoint resume;
    /** What the run keeps about this participant, e.g. its side of a signaling handshake. */
    Object attachment;

    WsConnection(Participant participant, InetSocketAddress address, InetAddress source, Sink sink, ByteBuffer scratch) {
        this.participant = participant;
        this.index = participant.index();
        this.identity = participant.identity();
        this.publisherIndex = participant.publisherIndex();
        this.address = address;
        this.source = source;
        this.sink = sink;
        this.scratch = scratch;
    }

    /** Who a connection is: fixed when it is first opened, the same for every reconnect. */
    record Participant(int index, String identity, String room, int publisherIndex, String upgradeTarget) {
        static Participant subscriber(int index, String identity, String room, String upgradeTarget) {
            return new Participant(index, identity, room, -1, upgradeTarget);
        }
    }

    @Override
    public String room() {
        return participant.room();
    }

    @Override
    public ResumePoint resumePoint() {
        return resume;
    }

    InetSocketAddress address() {
        return address;
    }

    boolean isPublisher() {
        return publisherIndex >= 0;
    }

    State state() {
        return state;
    }

    void markJoined() {
        state = State.JOINED;
        everJoined = true;
    }

    void open(Selector selector, String upgradeTarget) throws IOException {
        openedAt = System.nanoTime();
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        // The answer's Sec-WebSocket-Accept is not checked: the server is ours, and SHA-1 per connect buys nothing here.
        upgradeRequest = ("GET " + upgradeTarget + " HTTP/1.1\r\n"
                + "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        if (source != null) {
            channel.bind(new InetSocketAddress(source, 0));
        }
        key = channel.register(selector, SelectionKey.OP_CONNECT, this);
        if (channel.connect(address)) {
            onConnectable();
        }
    }

    void onConnectable() throws IOException {
        if (!channel.finishConnect()) {
            return;
        }
        state = State.UPGRADING;
        key.interestOps(SelectionKey.OP_READ);
        write(ByteBuffer.wrap(upgradeRequest));
    }

    void onWritable() throws IOException {
        channel.write(out);
        if (!out.hasRemaining()) {
            out = null;
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    /** Reads what the socket holds and hands every complete frame to the sink. */
    void onReadable() throws IOException {
        while (state != State.CLOSED) {
            int n = channel.read(in);
            if (n < 0) {
                close("the server closed the connection");
                return;
            }
            if (n == 0) {
                return;
            }
            boolean filled = !in.hasRemaining();
            long receivedAt = System.nanoTime();
            if (state == State.UPGRADING) {
                readUpgradeAnswer();
            }
            if (state == State.OPEN || state == State.JOINED) {
                readFrames(receivedAt);
            }
            if (!filled) {
                return; // the socket is most likely drained: skip the read that would return 0
            }
        }
    }

    private void readUpgradeAnswer() {
        byte[] a = in.array();
        int end = Frames.indexOf(a, 0, in.position(), HEADER_END);
        if (end < 0) {
            if (!in.hasRemaining()) {
                grow(in.capacity() * 2);
            }
            return;
        }
        String head = new String(a, 0, end, StandardCharsets.ISO_8859_1);
        if (!head.startsWith("HTTP/1.1 101")) {
            String status = head.lines().findFirst().orElse("no status line");
            String body = new String(a, end + HEADER_END.length, in.position() - end - HEADER_END.length, StandardCharsets.UTF_8);
            close("upgrade refused: " + status + (body.isBlank() ? "" : " " + body.strip()));
            return;
        }
        int frameStart = end + HEADER_END.length;
        in.flip();
        in.position(frameStart);
        in.compact();
        state = State.OPEN;
    }

    private void readFrames(long receivedAt) {
        in.flip();
        byte[] a = in.array();
        int pos = in.position();
        int limit = in.limit();
        int needed = 0;
        while (limit - pos >= 2 && state != State.CLOSED) {
            int b0 = a[pos] & 0xff;
            int b1 = a[pos + 1] & 0xff;
            long length = b1 & 0x7f;
            int header = 2;
            if (length == 126) {
                if (limit - pos < 4) {
                    break;
                }
                length = ((a[pos + 2] & 0xff) << 8) | (a[pos + 3] & 0xff);
                header = 4;
            } else if (length == 127) {
                if (limit - pos < 10) {
                    break;
                }
                length = 0;
                for (int i = 2; i < 10; i++) {
                    length = (length << 8) | (a[pos + i] & 0xff);
                }
                header = 10;
            }
            if ((b1 & 0x80) != 0 || length > MAX_FRAME) {
                close((b1 & 0x80) != 0 ? "the server sent a masked frame" : "a frame of " + length + " bytes");
                break;
            }
            if (limit - pos < header + length) {
                needed = header + (int) length;
                break;
            }
            int start = pos + header;
            onFrame((b0 & 0x80) != 0, b0 & 0x0f, a, start, (int) length, receivedAt);
            pos = start + (int) length;
        }
        if (state == State.CLOSED) {
            return;
        }
        in.position(pos);
        in.compact();
        if (needed > in.capacity()) {
            grow(needed);
        } else if (in.position() == 0 && in.capacity() > KEEP_IN) {
            in = ByteBuffer.allocate(INITIAL_IN);
        }
    }

    private void onFrame(boolean fin, int opcode, byte[] a, int start, int length, long receivedAt) {
        switch (opcode) {
            case OP_TEXT -> {
                if (fin) {
                    sink.onText(this, a, start, length, receivedAt);
                } else {
                    fragmentsLength = 0;
                    appendFragment(a, start, length);
                }
            }
            case OP_CONTINUATION -> {
                appendFragment(a, start, length);
                if (fin) {
                    sink.onText(this, fragments, 0, fragmentsLength, receivedAt);
                    fragments = null;
                }
            }
            case OP_PING -> send(OP_PONG, a, start, length);
            case OP_CLOSE -> {
                int code = length >= 2 ? ((a[start] & 0xff) << 8) | (a[start + 1] & 0xff) : 1005;
                String reason = length > 2 ? new String(a, start + 2, length - 2, StandardCharsets.UTF_8) : "";
                send(OP_CLOSE, a, start, Math.min(length, 2));
                close("closed by the server: " + code + (reason.isEmpty() ? "" : " " + reason));
            }
            default -> {
                // binary frames and pongs carry nothing the benchmark reads
            }
        }
    }

    private void appendFragment(byte[] a, int start, int length) {
        if (fragments == null) {
            fragments = new byte[Math.max(1024, length * 2)];
        } else if (fragmentsLength + length > fragments.length) {
            fragments = java.util.Arrays.copyOf(fragments, Math.max(fragments.length * 2, fragmentsLength + length));
        }
        System.arraycopy(a, start, fragments, fragmentsLength, length);
        fragmentsLength += length;
    }

    @Override
    public void sendText(byte[] text) {
        send(OP_TEXT, text, 0, text.length);
    }

    void sendText(byte[] text, int offset, int length) {
        send(OP_TEXT, text, offset, length);
    }

    /** Sends one masked frame, built in the loop's scratch buffer. */
    private void send(int opcode, byte[] payload, int offset, int length) {
        if (state == State.CLOSED || state == State.CONNECTING) {
            return;
        }
        ByteBuffer b = length + 14 <= scratch.capacity() ? scratch.clear() : ByteBuffer.allocate(length + 14);
        b.put((byte) (0x80 | opcode));
        if (length < 126) {
            b.put((byte) (0x80 | length));
        } else if (length < 65536) {
            b.put((byte) (0x80 | 126)).putShort((short) length);
        } else {
            b.put((byte) (0x80 | 127)).putLong(length);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        b.putInt(mask);
        byte[] dst = b.array();
        int at = b.position();
        for (int i = 0; i < length; i++) {
            // the mask's bytes in network order: byte i is masked with byte i % 4 of the key
            dst[at + i] = (byte) (payload[offset + i] ^ (mask >>> ((3 - (i & 3)) << 3)));
        }
        b.position(at + length);
        b.flip();
        try {
            write(b);
        } catch (IOException e) {
            close("write failed: " + e.getMessage());
        }
    }

    /** Writes now what the socket takes, and queues the rest behind anything already queued. */
    private void write(ByteBuffer b) throws IOException {
        if (out == null) {
            channel.write(b);
            if (!b.hasRemaining()) {
                return;
            }
            out = ByteBuffer.allocate(Math.max(4096, b.remaining()));
            out.put(b).flip();
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            return;
        }
        if (out.capacity() - out.remaining() >= b.remaining()) {
            out.compact().put(b).flip();
        } else {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.remaining() + b.remaining()));
            bigger.put(out).put(b).flip();
            out = bigger;
        }
    }

    /**
     * Opens a closed connection again, to {@code address}: a new socket for the same participant,
     * whose join or resume is told to the sink as the first one was.
     */
    void reopen(Selector selector, InetSocketAddress address, String upgradeTarget) throws IOException {
        if (state != State.CLOSED) {
            throw new IllegalStateException(identity + " is still connected");
        }
        this.address = address;
        state = State.CONNECTING;
        in = ByteBuffer.allocate(INITIAL_IN);
        out = null;
        fragments = null;
        open(selector, upgradeTarget);
    }

    /** Bytes waiting for the socket: a server that reads slowly makes this grow. */
    int queuedBytes() {
        return out == null ? 0 : out.remaining();
    }

    /** Says goodbye with a close frame when the connection is open, then drops it. */
    void shutdown() {
        if (state == State.OPEN || state == State.JOINED) {
            send(OP_CLOSE, new byte[] {0x03, (byte) 0xe8}, 0, 2); // 1000, normal closure
        }
        closeQuietly();
        state = State.CLOSED;
    }

    void close(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        boolean joined = state == State.JOINED;
        state = State.CLOSED;
        closeQuietly();
        sink.onClosed(this, joined, reason);
    }

    private void closeQuietly() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // already gone
        }
    }

    private void grow(int capacity) {
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        in.flip();
        bigger.put(in);
        in = bigger;
    }

    /** A publisher's chat frame and schedule. */
    static final class Publishing {
        /** The frame's text: the target's prefix, the payload, the suffix. */
        final byte[] text;
        /** Where the payload starts in {@link #text}. */
        final int payloadAt;
        long seq;
        long nextSendAt;

        Publishing(byte[] prefix, byte[] payload, byte[] suffix, long firstSendAt) {
            text = new byte[prefix.length + payload.length + suffix.length];
            System.arraycopy(prefix, 0, text, 0, prefix.length);
            System.arraycopy(payload, 0, text, prefix.length, payload.length);
            System.arraycopy(suffix, 0, text, prefix.length + payload.length, suffix.length);
            payloadAt = prefix.length;
            nextSendAt = firstSendAt;
        }
    }
}
