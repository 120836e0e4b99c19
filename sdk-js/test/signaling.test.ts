/**
 * The signaling layer over a fake websocket: joining, requests answered by id, errors,
 * timeouts, keepalive.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, type ConnectOptions, type Room } from '../src/room.js';
import { BifrostError } from '../src/errors.js';
import { Signaling } from '../src/signaling.js';
import { FakeServer, FakeWebSocket, joinedFrame, participant, sleep, waitFor } from './fakes.js';

function options(server: FakeServer, extra: ConnectOptions = {}): ConnectOptions {
  return { webSocketFactory: server.webSocketFactory, fetch: server.fetch, ...extra };
}

async function joinedRoom(extra: ConnectOptions = {}, joined = joinedFrame('p_me')): Promise<{ room: Room; server: FakeServer; ws: FakeWebSocket }> {
  const server = new FakeServer();
  server.acceptAll(() => joined);
  const room = await connect('http://127.0.0.1:7800', 'the-token', options(server, extra));
  return { room, server, ws: server.sockets[0] };
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

describe('joining', () => {
  test('connect opens /rtc with the token and resolves with the room of the joined frame', async () => {
    const { room, ws } = await joinedRoom({}, joinedFrame('p_me', [participant('p_bob')]));
    assert.equal(ws.url, 'ws://127.0.0.1:7800/rtc?access_token=the-token');
    assert.equal(room.connectionState, 'connected');
    assert.equal(room.name, 'demo');
    assert.equal(room.sessionId, 's_p_me');
    assert.deepEqual(room.localParticipant, {
      id: 'p_me', identity: 'me', name: 'ME', role: 'host', metadata: '', handRaised: false, muted: false, publishing: false,
    });
    assert.equal(room.mode, 'mesh');
    assert.deepEqual([...room.participants.keys()], ['p_bob']);
    assert.equal(room.participants.get('p_bob')?.identity, 'bob');
    await room.leave();
  });

  test('https and ws(s) bases, path prefixes and a trailing /rtc give the right socket address', async () => {
    for (const [base, expected] of [
      ['https://bifrost.example.org', 'wss://bifrost.example.org/rtc?access_token=a%2Bb%2Fc%3D'],
      ['wss://bifrost.example.org/prefix/', 'wss://bifrost.example.org/prefix/rtc?access_token=a%2Bb%2Fc%3D'],
      ['ws://127.0.0.1:7800/rtc', 'ws://127.0.0.1:7800/rtc?access_token=a%2Bb%2Fc%3D'],
    ]) {
      const server = new FakeServer();
      server.acceptAll(() => joinedFrame('p_me'));
      const room = await connect(base, 'a+b/c=', options(server));
      assert.equal(server.sockets[0].url, expected);
      await room.leave();
    }
  });

  test('frames that follow joined at once are not lost', async () => {
    const server = new FakeServer();
    server.onConnect = (ws) => {
      ws.open();
      ws.receive(joinedFrame('p_me'));
      ws.receive({ type: 'participant-joined', seq: 11, participant: participant('p_bob') });
    };
    const room = await connect('http://h', 't', options(server));
    await waitFor('bob', () => room.participants.has('p_bob'));
    server.sockets[0].autoReply = (f) => (f.type === 'leave' ? { type: 'ack', id: f.id } : null);
    await room.leave();
  });
});

describe('requests and answers', () => {
  test('answers are matched to requests by id, also out of order', async () => {
    const { room, ws } = await joinedRoom();
    const first = room.sendChat('one');
    const second = room.sendChat('two');
    const a = await ws.nextSent('chat');
    const b = await ws.nextSent('chat');
    assert.equal(a.text, 'one');
    assert.notEqual(a.id, b.id);
    ws.receive({ type: 'ack', id: b.id, seq: 12 });
    ws.receive({ type: 'ack', id: a.id, seq: 11 });
    assert.deepEqual(await first, { seq: 11 });
    assert.deepEqual(await second, { seq: 12 });
    await room.leave();
  });

  test('an error answer rejects its request with a BifrostError of that code', async () => {
    const { room, ws } = await joinedRoom();
    const sending = room.sendChat('too fast');
    const frame = await ws.nextSent('chat');
    ws.receive({ type: 'error', id: frame.id, code: 'rate-limited', message: 'slow down' });
    const e = await rejection(sending);
    assert.equal(e.code, 'rate-limited');
    assert.equal(e.message, 'slow down');
    await room.leave();
  });

  test('an error answering no request is an error event', async () => {
    const { room, ws } = await joinedRoom();
    const errors: BifrostError[] = [];
    room.on('error', (e) => errors.push(e));
    ws.receive({ type: 'error', code: 'bad-request', message: 'malformed JSON at line 1, column 9' });
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'bad-request');
    await room.leave();
  });

  test('a request without an answer rejects with timeout', async () => {
    const { room } = await joinedRoom({ requestTimeoutMs: 80 });
    const started = Date.now();
    const e = await rejection(room.sendChat('anyone?'));
    assert.equal(e.code, 'timeout');
    assert.ok(Date.now() - started >= 70, 'not before the timeout');
    await room.leave();
  });

  test('pending requests reject with connection-lost when the connection drops', async () => {
    const { room, ws } = await joinedRoom({ reconnect: { maxAttempts: 0 } });
    const sending = room.sendChat('hello');
    await ws.nextSent('chat');
    ws.drop(1006);
    assert.equal((await rejection(sending)).code, 'connection-lost');
    await waitFor('disconnected', () => room.connectionState === 'disconnected');
  });

  test('chat text is checked before sending', async () => {
    const { room, ws } = await joinedRoom();
    assert.equal((await rejection(room.sendChat(''))).code, 'bad-request');
    assert.equal((await rejection(room.sendChat('x'.repeat(4097)))).code, 'bad-request');
    assert.equal(ws.sentOfType('chat').length, 0);
    await room.leave();
  });

  test('unknown frame types from a newer server are skipped silently', async () => {
    const { room, ws } = await joinedRoom();
    const errors: BifrostError[] = [];
    room.on('error', (e) => errors.push(e));
    ws.receive({ type: 'reaction', emoji: 'x' });
    ws.receive({ type: 'chat', seq: 11, from: 'p_me', text: 'still here', ts: 1 });
    assert.equal(errors.length, 0);
    await room.leave();
  });
});

describe('keepalive', () => {
  test('pings go out at the advertised interval, each with its own id', async () => {
    const { room, ws } = await joinedRoom({}, joinedFrame('p_me', [], { pingInterval: 40, pingTimeout: 1000 }));
    await sleep(230);
    const pings = ws.sentOfType('ping');
    assert.ok(pings.length >= 3 && pings.length <= 7, `${pings.length} pings in 230 ms at a 40 ms interval`);
    assert.equal(new Set(pings.map((p) => p.id)).size, pings.length, 'distinct ids');
    assert.ok(pings.every((p) => typeof p.id === 'string' && p.id.startsWith('k')));
    assert.equal(room.connectionState, 'connected');
    await room.leave();
  });

  test('no pong within pingTimeout closes the connection and reconnects', async () => {
    const server = new FakeServer();
    server.acceptAll((i) => joinedFrame(`p_me${i}`, [], { pingInterval: 30, pingTimeout: 60 }));
    const room = await connect('http://h', 't', options(server, { reconnect: { initialDelayMs: 10, maxDelayMs: 20 } }));
    const first = server.sockets[0];
    first.autoReply = null; // the server went silent
    const events: string[] = [];
    room.on('reconnecting', (attempt) => events.push(`reconnecting ${attempt}`));
    room.on('reconnected', () => events.push('reconnected'));
    await waitFor('reconnected', () => events.includes('reconnected'));
    assert.deepEqual(first.closedByClient, { code: 4000, reason: 'pong-timeout' });
    assert.deepEqual(events, ['reconnecting 1', 'reconnected']);
    assert.equal(room.localParticipant.id, 'p_me1');
    assert.equal(room.connectionState, 'connected');
    await room.leave();
  });
});

describe('Signaling', () => {
  test('rejects the join when the socket closes before joined, without reporting a close', async () => {
    const ws = new FakeWebSocket('ws://h/rtc');
    const signaling = new Signaling('ws://h/rtc', { requestTimeoutMs: 1000, webSocketFactory: () => ws as unknown as WebSocket });
    const joining = signaling.join();
    ws.drop(1006);
    const e = await rejection(joining);
    assert.equal(e.code, 'connection-lost');
    assert.match(e.message, /1006/);
  });

  test('the join times out when no joined frame comes', async () => {
    const ws = new FakeWebSocket('ws://h/rtc');
    const signaling = new Signaling('ws://h/rtc', { requestTimeoutMs: 50, webSocketFactory: () => ws as unknown as WebSocket });
    const joining = signaling.join();
    ws.open();
    assert.equal((await rejection(joining)).code, 'timeout');
    assert.ok(ws.closedByClient, 'the socket is closed');
  });

  test('requests before joined fail at once with connection-lost', async () => {
    const signaling = new Signaling('ws://h/rtc', { requestTimeoutMs: 50, webSocketFactory: () => new FakeWebSocket('') as unknown as WebSocket });
    assert.equal((await rejection(signaling.request({ type: 'ping' }))).code, 'connection-lost');
  });
});
