package io.bifrost.android.media;

import java.util.List;

/** A STUN or TURN server the room's node handed out in {@code joined} or {@code resumed}. */
public final class IceServer {
    private final List<String> urls;
    private final String username;
    private final String credential;

    /** @param username and {@code credential}: null for STUN */
    public IceServer(List<String> urls, String username, String credential) {
        this.urls = List.copyOf(urls);
        this.username = username;
        this.credential = credential;
    }

    public List<String> urls() {
        return urls;
    }

    public String username() {
        return username;
    }

    public String credential() {
        return credential;
    }

    @Override
    public String toString() {
        return urls.toString(); // never the credential
    }
}
