package io.bifrost.rooms.room;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Join tokens that may not join again until they expire: their participant left or was removed
 * ({@code auth.reuseAfterLeave: refuse}), so a removed participant cannot come straight back
 * with the token it was removed with. Tokens are known by an id derived from them, never kept.
 */
public interface SpentTokens {

    /** For nodes that let a token join again as long as it is valid. */
    SpentTokens NONE = new SpentTokens() {
        @Override
        public void spend(String tokenId, long expiresAtMillis) {}

        @Override
        public boolean isSpent(String tokenId) {
            return false;
        }
    };

    /** Must not block. */
    void spend(String tokenId, long expiresAtMillis);

    boolean isSpent(String tokenId);

    /**
     * A session resumed on another node: the tokens it was admitted with or sent here (id →
     * expiry) are spent when it ends there. Nothing to do for a single node, whose resumes take
     * their tokens along. Must not block.
     */
    default void handOn(String sessionId, Map<String, Long> tokens) {}

    /**
     * A session ended: the tokens other nodes handed on to it are spent now, and any handed on
     * after this at once. Must not block.
     */
    default void spendHandedOn(String sessionId) {}

    /** The spent tokens of a single node, in its memory until they expire. */
    final class InMemory implements SpentTokens {
        /** Past this many, the expired ones are dropped: a node sees as many as it has leaves within a token's lifetime. */
        private static final int PRUNE_ABOVE = 10_000;
        private final Map<String, Long> expiries = new ConcurrentHashMap<>();

        @Override
        public void spend(String tokenId, long expiresAtMillis) {
            if (expiries.size() > PRUNE_ABOVE) {
                long now = System.currentTimeMillis();
                for (Iterator<Long> it = expiries.values().iterator(); it.hasNext(); ) {
                    if (it.next() <= now) {
                        it.remove();
                    }
                }
            }
            expiries.put(tokenId, expiresAtMillis);
        }

        @Override
        public boolean isSpent(String tokenId) {
            Long expiresAt = expiries.get(tokenId);
            return expiresAt != null && expiresAt > System.currentTimeMillis();
        }
    }
}
