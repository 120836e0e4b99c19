package io.bifrost.signaling.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for the processes tests start on loopback (HAProxy, coturn), which cannot pick their own. */
public final class LoopbackPorts {
    private LoopbackPorts() {}

    /** A port free on 127.0.0.1 now; the process started next binds it. */
    public static int free() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
