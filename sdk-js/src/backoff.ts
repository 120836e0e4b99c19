/** Reconnect pacing: exponential backoff with full jitter. */

export interface ReconnectPolicy {
  /** Attempts after a connection drops before giving up; 0 turns reconnecting off. */
  maxAttempts: number;
  /** The ceiling of the first delay. */
  initialDelayMs: number;
  /** The ceiling never grows past this. */
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = {
  /** Ten attempts with these delays span about a minute: long enough for a node restart. */
  maxAttempts: 10,
  /** Short enough that a blip is barely noticed. */
  initialDelayMs: 500,
  /** Past ten seconds a person gives up on the room anyway. */
  maxDelayMs: 10_000,
};

/** The most attempt `attempt` (1-based) may wait: initialDelayMs doubled each time, capped. */
export function backoffCeiling(attempt: number, policy: ReconnectPolicy): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30)); // 2^30 already passes any sane cap
  return Math.max(0, Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent));
}

/**
 * The delay before attempt `attempt`: uniform in [0, ceiling) ("full jitter"), so that clients
 * dropped together by a node restart do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeiling(attempt, policy));
}
