#!/usr/bin/env node
// Token refresh in the JavaScript SDK (@bifrost/client) against a real server, run in Node.js
// with its own WebSocket (no browser: a mesh room alone makes no calls, so no WebRTC is needed):
//   1. the room joins with a short-lived token and the server sends a fresh one before it
//      expires (the `tokenRefreshed` event; `room.token` is the fresh one);
//   2. once the original token has expired, the server drops the connection and the room
//      reconnects by itself, resuming its session: it presented the fresh token.
//
//   node --experimental-websocket sdk-token.mjs <baseUrl> <sdkModuleUrl> <token>
//
// <sdkModuleUrl> is the built SDK (sdk-js/dist/index.js, which the server serves at /sdk/) as a file: URL. To have the connection
// dropped server-side, the harness prints {"kill":"<participantId>"} on stdout and waits for a
// line "killed" on stdin. The last stdout line is the result:
//   {"ok":true|false, "checks":{...}, "error":null|"..."}
// Bounded by a 40 s deadline.

import { sleep, testDriver, waitFor, withTimeout } from './chromium.mjs';

const DEADLINE_MS = 40_000;
const [baseUrl, sdkUrl, original] = process.argv.slice(2);
const result = { ok: false, checks: {}, error: null };
const driver = testDriver();

/** The token's `exp`, in milliseconds: read, not verified; the server does that. */
function expiresAt(token) {
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  return payload.exp * 1000;
}

async function main() {
  const { connect } = await import(sdkUrl);
  const room = await connect(baseUrl, original, { reconnect: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts: 5 } });
  const events = [];
  const refreshed = [];
  room.on('tokenRefreshed', (token, until) => refreshed.push({ token, until }));
  for (const name of ['reconnecting', 'reconnected', 'disconnected']) {
    room.on(name, (...args) => events.push(`${name} ${args.map((a) => (a && a.code) || a).join(' ')}`.trim()));
  }
  const id = room.localParticipant.id;

  await waitFor('a fresh token', () => refreshed.length > 0, 10_000, 50);
  const fresh = refreshed[0];
  result.checks.refreshedBeforeExpiry = Date.now() < expiresAt(original);
  result.checks.roomKeepsIt = room.token === fresh.token && fresh.token !== original;
  result.checks.expiresAt = fresh.until === expiresAt(fresh.token);

  // Only once the original is refused does a successful reconnect prove which token it used.
  await sleep(Math.max(0, expiresAt(original) + 200 - Date.now()));
  await driver.ask({ kill: id }, 'killed', 10_000);
  await waitFor('the room back', () => events.some((e) => e.startsWith('reconnected') || e.startsWith('disconnected')), 15_000, 50);
  result.checks.events = events;
  result.checks.sameParticipant = room.localParticipant.id === id;
  await room.leave();

  result.ok = events.includes('reconnected resumed') && result.checks.sameParticipant && result.checks.refreshedBeforeExpiry
    && result.checks.roomKeepsIt && result.checks.expiresAt;
}

driver.finish(() => withTimeout(main(), DEADLINE_MS, 'the token refresh check'), result);
