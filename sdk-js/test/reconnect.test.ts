/**
 * Refusals, reconnecting and leaving: backoff bounds, a refused token stops the retries,
 * the room is rebuilt from the new joined, leave() never reconnects.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffCeiling, backoffDelay, DEFAULT_RECONNECT_POLICY } from '../src/backoff.js';
import { BifrostError } from '../src/errors.js';
import type { RemoteParticipant } from '../src/participant.js';
import { connect, type ConnectOptions } from '../src/room.js';
import { EXPIRED, FakeServer, joinedFrame, participant, sleep, waitFor } from './fakes.js';

const FAST = { initialDelayMs: 20, maxDelayMs: 40 };

function options(server: FakeServer, extra: ConnectOptions = {}): ConnectOptions {
  return { webSocketFactory: server.webSocketFactory, fetch: server.fetch, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<BifrostError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof BifrostError, `expected a BifrostError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

describe('backoff', () => {
  test('the ceiling doubles from initialDelayMs up to maxDelayMs', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(n, DEFAULT_RECONNECT_POLICY));
    assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });

  test('delays are jittered over the whole range below the ceiling', () => {
    const policy = { maxAttempts: 10, initialDelayMs: 500, maxDelayMs: 10_000 };
    assert.equal(backoffDelay(3, policy, () => 0), 0);
    assert.equal(backoffDelay(3, policy, () => 0.5), 1000);
    assert.equal(backoffDelay(3, policy, () => 0.9999), 1999);
    const samples = Array.from({ length: 200 }, () => backoffDelay(4, policy));
    assert.ok(samples.every((d) => d >= 0 && d < 4000 && Number.isInteger(d)), 'within [0, 4000)');
    assert.ok(new Set(samples).size > 100, 'jittered, not fixed');
    assert.ok(Math.min(...samples) < 1000 && Math.max(...samples) > 3000, 'spread over the range');
  });
});

describe('refusals at connect', () => {
  test('a socket closed before joined is explained by /rtc/validate: unauthorized, expired', async () => {
    const server = new FakeServer();
    server.validateAnswer = EXPIRED;
    server.onConnect = (ws) => ws.drop(1006); // a failed upgrade, as a browser reports it
    const e = await rejection(connect('http://127.0.0.1:7800', 'old token', options(server, { reconnect: FAST })));
    assert.equal(e.code, 'unauthorized');
    assert.equal(e.reason, 'expired');
    assert.equal(e.message, 'token expired at 2026-11-22T10:00:00Z');
    assert.deepEqual(server.validateCalls, ['http://127.0.0.1:7800/rtc/validate?access_token=old%20token']);
    await sleep(150);
    assert.equal(server.sockets.length, 1, 'no retry');
  });

  test('a room-full error frame instead of joined rejects with room-full', async () => {
    const server = new FakeServer();
    server.onConnect = (ws) => {
      ws.open();
      ws.receive({ type: 'error', code: 'room-full', message: 'room demo is full (100 participants)' });
      ws.drop(1008, 'room-full');
    };
    const e = await rejection(connect('http://h', 't', options(server)));
    assert.equal(e.code, 'room-full');
    assert.equal(server.validateCalls.length, 0, 'the server said why: no need to ask');
  });

  test('a close before joined with a token the server accepts stays connection-lost', async () => {
    const server = new FakeServer();
    server.onConnect = (ws) => ws.drop(1006);
    const e = await rejection(connect('http://h', 't', options(server)));
    assert.equal(e.code, 'connection-lost');
  });
});

describe('reconnecting', () => {
  test('attempts back off within their bounds, then the room gives up', async () => {
    const server = new FakeServer();
    server.onConnect = (ws, index) => {
      if (index > 0) {
        ws.drop(1006); // the node is gone
        return;
      }
      ws.autoReply = () => null;
      ws.open();
      ws.receive(joinedFrame('p_me'));
    };
    const room = await connect('http://h', 't', options(server, { reconnect: { maxAttempts: 3, ...FAST } }));
    const attempts: [number, number][] = [];
    const states: string[] = [];
    let ended: [string, BifrostError | undefined] | null = null;
    room.on('reconnecting', (attempt, delay) => attempts.push([attempt, delay]));
    room.on('connectionStateChanged', (state) => states.push(state));
    room.on('disconnected', (reason, error) => {
      ended = [reason, error];
    });
    server.sockets[0].drop(1006);
    const [reason, error] = await waitFor('disconnected', () => ended);
    assert.equal(reason, 'reconnect-failed');
    assert.equal(error?.code, 'connection-lost');
    assert.deepEqual(attempts.map(([n]) => n), [1, 2, 3]);
    for (const [n, delay] of attempts) {
      assert.ok(delay >= 0 && delay <= Math.min(FAST.maxDelayMs, FAST.initialDelayMs * 2 ** (n - 1)), `attempt ${n}: ${delay} ms`);
    }
    assert.deepEqual(states, ['reconnecting', 'disconnected']);
    assert.equal(server.sockets.length, 4, 'the first connection and three attempts');
    assert.equal(server.validateCalls.length, 3, '/rtc/validate before each attempt');
  });

  test('a token refused while reconnecting stops at once with the typed error', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me'));
    const room = await connect('http://h', 't', options(server, { reconnect: FAST }));
    const attempts: number[] = [];
    let ended: [string, BifrostError | undefined] | null = null;
    room.on('reconnecting', (attempt) => attempts.push(attempt));
    room.on('disconnected', (reason, error) => {
      ended = [reason, error];
    });
    server.validateAnswer = EXPIRED;
    server.sockets[0].drop(1006);
    const [reason, error] = await waitFor('disconnected', () => ended);
    assert.equal(reason, 'refused');
    assert.equal(error?.code, 'unauthorized');
    assert.equal(error?.reason, 'expired');
    assert.deepEqual(attempts, [1]);
    await sleep(100);
    assert.equal(server.sockets.length, 1, 'no websocket for a refused token');
    assert.equal(room.connectionState, 'disconnected');
  });

  test('a server shutdown answered by a new joined, not resumed, rebuilds the room from it', async () => {
    const server = new FakeServer();
    server.acceptAll((i) => i === 0
      ? joinedFrame('p_me1', [participant('p_bob'), participant('p_carol')], { seq: 10 })
      // our old session may linger in the room for a while: never a peer of ours
      : joinedFrame('p_me2', [participant('p_bob'), participant('p_me1', 'me'), participant('p_dave')], { seq: 20 }));
    const room = await connect('http://h', 't', options(server, { reconnect: FAST }));
    const bob = room.participants.get('p_bob');
    const log: string[] = [];
    room.on('participantLeft', (p, reason) => log.push(`left ${p.id} ${reason}`));
    room.on('participantJoined', (p) => log.push(`joined ${p.id}`));
    room.on('reconnecting', (attempt) => log.push(`reconnecting ${attempt}`));
    room.on('reconnected', () => log.push('reconnected'));
    room.on('connectionStateChanged', (state) => log.push(state));

    const ws = server.sockets[0];
    ws.receive({ type: 'disconnect', reason: 'server-shutdown', reconnect: true });
    ws.drop(1001, 'server-shutdown');
    await waitFor('reconnected', () => log.includes('reconnected'));

    assert.deepEqual(log, ['reconnecting', 'reconnecting 1', 'connected', 'left p_carol unknown', 'joined p_dave', 'reconnected']);
    assert.equal(room.localParticipant.id, 'p_me2');
    assert.deepEqual([...room.participants.keys()], ['p_bob', 'p_dave']);
    assert.equal(room.participants.get('p_bob'), bob, 'the same object for someone still there');

    // events of the new connection count from its joined.seq; old numbers are not replayed
    const second = server.sockets[1];
    const chats: string[] = [];
    room.on('chat', (m) => chats.push(`${m.seq} ${m.participant?.id ?? '?'}: ${m.text}`));
    second.receive({ type: 'chat', seq: 19, from: 'p_bob', text: 'before the new joined', ts: 1 });
    second.receive({ type: 'participant-left', seq: 21, participantId: 'p_me1', reason: 'timeout' });
    second.receive({ type: 'chat', seq: 22, from: 'p_bob', text: 'welcome back', ts: 1 });
    second.receive({ type: 'chat', seq: 22, from: 'p_bob', text: 'welcome back', ts: 1 }); // a duplicate
    second.receive({ type: 'chat', seq: 23, from: 'p_me2', text: 'thanks', ts: 2 });
    assert.deepEqual(chats, ['22 p_bob: welcome back', '23 p_me2: thanks']);
    assert.ok(!log.some((l) => l.includes('p_me1')), 'our ghost is not a participant');
    await room.leave();
  });

  test('a server disconnect that says not to reconnect ends the room', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me'));
    const room = await connect('http://h', 't', options(server, { reconnect: FAST }));
    let ended: [string, BifrostError | undefined] | null = null;
    room.on('disconnected', (reason, error) => {
      ended = [reason, error];
    });
    server.sockets[0].receive({ type: 'disconnect', reason: 'server-shutdown', reconnect: false });
    server.sockets[0].drop(1001, 'server-shutdown');
    const [reason, error] = await waitFor('disconnected', () => ended);
    assert.equal(reason, 'server-shutdown');
    assert.equal(error?.code, 'unavailable');
    await sleep(80);
    assert.equal(server.sockets.length, 1);
  });
});

describe("the app's backend", () => {
  test('a message to this participant is emitted as message, without touching the room order', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me', [participant('p_bob')]));
    const room = await connect('http://h', 't', options(server, { reconnect: FAST }));
    const seen: string[] = [];
    room.on('message', (m) => seen.push(`${m.from}: ${m.text} @${m.ts}`));
    room.on('chat', (m) => seen.push(`chat ${m.seq} ${m.from}: ${m.text}`));
    server.sockets[0].receive({ type: 'message', from: 'server', text: 'you are next', ts: 5 });
    server.sockets[0].receive({ type: 'chat', seq: 11, from: 'server', text: 'doors open', ts: 6 });
    await waitFor('both', () => seen.length === 2 || null);
    assert.deepEqual(seen, ['server: you are next @5', 'chat 11 server: doors open']);
    await room.leave();
  });

  test('a removal ends the room with its reason and never reconnects', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me', [participant('p_bob')]));
    const room = await connect('http://h', 't', options(server, { reconnect: FAST }));
    let ended: string | null = null;
    room.on('disconnected', (reason) => {
      ended = reason;
    });
    server.sockets[0].receive({ type: 'disconnect', reason: 'removed', reconnect: false });
    server.sockets[0].drop(1000, 'removed');
    assert.equal(await waitFor('disconnected', () => ended), 'removed');
    await sleep(80);
    assert.equal(server.sockets.length, 1);
  });
});

describe('leaving', () => {
  test('leave() sends leave, closes with 1000 left and never reconnects', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me', [participant('p_bob')]));
    const room = await connect('http://h', 't', options(server, { reconnect: FAST }));
    const events: string[] = [];
    room.on('disconnected', (reason, error) => events.push(`disconnected ${reason} ${error ? error.code : '-'}`));
    room.on('reconnecting', () => events.push('reconnecting'));
    room.on('participantLeft', (p: RemoteParticipant) => events.push(`left ${p.id}`));
    const leaving = [room.leave(), room.leave()];
    assert.equal(leaving[0], leaving[1], 'a concurrent leave() waits for the same end');
    await Promise.all(leaving);
    const ws = server.sockets[0];
    assert.equal(ws.sentOfType('leave').length, 1);
    assert.deepEqual(ws.closedByClient, { code: 1000, reason: 'left' });
    assert.equal(room.connectionState, 'disconnected');
    await sleep(80);
    assert.deepEqual(events, ['disconnected left -']);
    assert.equal(server.sockets.length, 1);
    assert.equal((await rejection(room.sendChat('still there?'))).code, 'connection-lost');
    await room.leave(); // a second leave is a no-op
  });

  test('leave() while reconnecting stops the attempts', async () => {
    const server = new FakeServer();
    server.onConnect = (ws, index) => {
      if (index > 0) return ws.drop(1006);
      ws.open();
      ws.receive(joinedFrame('p_me'));
    };
    const room = await connect('http://h', 't', options(server, { reconnect: { maxAttempts: 50, initialDelayMs: 30, maxDelayMs: 30 } }));
    const reasons: string[] = [];
    room.on('disconnected', (reason) => reasons.push(reason));
    server.sockets[0].drop(1006);
    await waitFor('a reconnect attempt', () => server.sockets.length >= 2);
    await room.leave();
    const count = server.sockets.length;
    await sleep(120);
    assert.equal(server.sockets.length, count, 'no attempt after leave()');
    assert.deepEqual(reasons, ['left']);
  });
});
