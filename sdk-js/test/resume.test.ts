/**
 * Session resume: a dropped connection comes back with `session` and `lastSeq`; a `resumed`
 * session keeps its participant id, room state and calls and applies the missed events once;
 * `resume-failed` is followed by a fresh `joined`, taken as a rejoin; a draining node's
 * `disconnect` resumes at once; a connection closed as `resumed-elsewhere` is not reconnected.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { BifrostError } from '../src/errors.js';
import type { RemoteParticipant } from '../src/participant.js';
import { connect, type ConnectOptions, type Room } from '../src/room.js';
import { Signaling } from '../src/signaling.js';
import {
  FakePeerConnection,
  FakeServer,
  FakeTrack,
  FakeWebSocket,
  joinedFrame,
  participant,
  resumedFrame,
  resumeQuery,
  serverReplies,
  sleep,
  waitFor,
} from './fakes.js';

const FAST = { initialDelayMs: 20, maxDelayMs: 40 };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** Rooms a test opened: left after it even when it fails, so no keepalive timer outlives the run. */
const opened: Room[] = [];

beforeEach(() => {
  FakePeerConnection.created.length = 0;
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((room) => room.leave()));
});

async function open(server: FakeServer, extra: ConnectOptions = {}): Promise<Room> {
  const room = await connect('http://h', 't', options(server, extra));
  opened.push(room);
  return room;
}

function options(server: FakeServer, extra: ConnectOptions = {}): ConnectOptions {
  return {
    webSocketFactory: server.webSocketFactory,
    fetch: server.fetch,
    peerConnectionFactory: FakePeerConnection.factory,
    reconnect: FAST,
    ...extra,
  };
}

/** Opens `ws` as a server would: pongs, acks every signal, answers leave. */
function serve(ws: FakeWebSocket): void {
  const replies = serverReplies(ws);
  ws.autoReply = (f) => (['offer', 'answer', 'candidate'].includes(f.type) ? { type: 'ack', id: f.id } : replies(f));
  ws.open();
}

/**
 * A room joined as p_me with p_bob and p_carol (seq 10), whose two calls are negotiated and
 * whose p_bob track arrived. Connections after the first are left for the test to play.
 */
async function callingRoom(extra: ConnectOptions = {}) {
  const server = new FakeServer();
  server.onConnect = (ws, index) => {
    if (index > 0) return;
    serve(ws);
    ws.receive(joinedFrame('p_me', [participant('p_bob'), participant('p_carol')], { seq: 10 }));
  };
  const room = await open(server, extra);
  const ws = server.sockets[0];
  const [toBob, toCarol] = [await pc(0), await pc(1)];
  await ws.nextSent('offer');
  await ws.nextSent('offer');
  ws.receive({ type: 'answer', from: 'p_bob', sdp: 'answer-from-bob' });
  ws.receive({ type: 'answer', from: 'p_carol', sdp: 'answer-from-carol' });
  await waitFor('both calls negotiated', () => toBob.signalingState === 'stable' && toCarol.signalingState === 'stable');
  const bobTrack = new FakeTrack('audio');
  toBob.remoteTrack(bobTrack);
  return { server, room, ws, toBob, toCarol, bobTrack, bob: room.participants.get('p_bob') as RemoteParticipant };
}

function pc(n: number): Promise<FakePeerConnection> {
  return waitFor(`peer connection #${n}`, () => FakePeerConnection.created[n]);
}

/** Everything the app sees, as short lines. */
function record(room: Room): string[] {
  const log: string[] = [];
  room.on('connectionStateChanged', (state) => log.push(state));
  room.on('reconnecting', (attempt) => log.push(`reconnecting ${attempt}`));
  room.on('reconnected', (how) => log.push(`reconnected ${how}`));
  room.on('participantJoined', (p) => log.push(`joined ${p.id}`));
  room.on('participantLeft', (p, reason) => log.push(`left ${p.id} ${reason}`));
  room.on('chat', (m) => log.push(`chat ${m.seq} ${m.from}: ${m.text}`));
  room.on('trackSubscribed', (_track, p) => log.push(`subscribed ${p.id}`));
  room.on('trackUnsubscribed', (_track, p) => log.push(`unsubscribed ${p.id}`));
  room.on('disconnected', (reason, error) => log.push(`disconnected ${reason} ${error?.code ?? '-'}`));
  room.on('error', (error) => log.push(`error ${error.code}`));
  return log;
}

describe('resume', () => {
  test('a resumed session keeps its id, calls and state, and applies the missed events once', async () => {
    const { server, room, ws, toBob, toCarol, bobTrack, bob } = await callingRoom();
    const log = record(room);
    ws.receive({ type: 'chat', seq: 11, from: 'p_bob', text: 'before the drop', ts: 1 });
    ws.drop(1006);

    const next = await server.socket(1);
    assert.deepEqual(resumeQuery(next.url), { session: 's_p_me', lastSeq: '11' });
    assert.match(next.url, /^ws:\/\/h\/rtc\?access_token=t&session=s_p_me&lastSeq=11$/);
    assert.equal(room.connectionState, 'reconnecting');
    assert.equal(toBob.closed, false, 'the calls go on while reconnecting');
    assert.equal(bob.audioTrack, bobTrack as unknown as MediaStreamTrack);
    // a negotiation begun while away: its offers wait for the session
    const mic = new FakeTrack('audio');
    await room.publishTrack(mic as unknown as MediaStreamTrack);
    await waitFor('offers made', () => toBob.signalingState === 'have-local-offer' && toCarol.signalingState === 'have-local-offer');

    serve(next);
    next.receive(resumedFrame('p_me', 11));
    next.receive({ type: 'chat', seq: 11, from: 'p_bob', text: 'before the drop', ts: 1 }); // already applied
    next.receive({ type: 'participant-left', seq: 12, participantId: 'p_carol', reason: 'disconnected' });
    next.receive({ type: 'participant-joined', seq: 13, participant: participant('p_dave') });
    next.receive({ type: 'chat', seq: 14, from: 'p_dave', text: 'you missed this', ts: 2 });
    next.receive({ type: 'candidate', from: 'p_bob', candidate: CANDIDATE }); // held for us by the server
    await waitFor('reconnected', () => log.includes('reconnected resumed'));
    next.receive({ type: 'chat', seq: 14, from: 'p_dave', text: 'you missed this', ts: 2 }); // a duplicate
    next.receive({ type: 'chat', seq: 15, from: 'p_me', text: 'back', ts: 3 });

    assert.deepEqual(log, [
      'chat 11 p_bob: before the drop',
      'reconnecting', 'reconnecting 1',
      'connected', 'reconnected resumed',
      'left p_carol disconnected', 'joined p_dave', 'chat 14 p_dave: you missed this',
      'chat 15 p_me: back',
    ]);
    assert.equal(room.localParticipant.id, 'p_me');
    assert.equal(room.sessionId, 's_p_me');
    assert.deepEqual([...room.participants.keys()], ['p_bob', 'p_dave']);
    assert.equal(room.participants.get('p_bob'), bob);
    assert.equal(bob.audioTrack, bobTrack as unknown as MediaStreamTrack, 'still subscribed: never unsubscribed');

    assert.equal(FakePeerConnection.created.length, 2, 'no new call');
    assert.equal(toBob.closed, false);
    assert.equal(toCarol.closed, true, 'carol left while we were away');
    await waitFor('the held candidate applied', () => toBob.addedCandidates.length === 1);
    assert.deepEqual(toBob.addedCandidates, [CANDIDATE]);
    const offer = await next.nextSent('offer');
    assert.equal(offer.to, 'p_bob');
    assert.match(String(offer.sdp), /sendrecv/, 'the offer that publishes the microphone');
    await sleep(20);
    assert.deepEqual(next.sentOfType('offer').map((o) => o.to), ['p_bob'], 'nothing for carol, who left');

    await room.leave();
    assert.equal(toBob.closed, true);
  });

  test('a resume the server refuses is followed by joined: the room rejoins as a new participant', async () => {
    const { server, room, ws, toBob, toCarol } = await callingRoom();
    const log = record(room);
    ws.drop(1006);
    const next = await server.socket(1);
    assert.deepEqual(resumeQuery(next.url), { session: 's_p_me', lastSeq: '10' }, 'lastSeq is joined.seq without events');
    const mic = new FakeTrack('audio');
    await room.publishTrack(mic as unknown as MediaStreamTrack); // offers held, then dropped with the calls

    serve(next);
    next.receive({ type: 'error', code: 'resume-failed', message: 'session s_p_me ended 31 s ago' });
    next.receive(joinedFrame('p_me2', [participant('p_bob'), participant('p_me', 'me'), participant('p_dave')], { seq: 40 }));
    await waitFor('reconnected', () => log.includes('reconnected rejoined'));

    assert.deepEqual(log, [
      'reconnecting', 'reconnecting 1',
      'unsubscribed p_bob',
      'connected', 'left p_carol unknown', 'joined p_dave', 'reconnected rejoined',
    ]);
    assert.equal(room.localParticipant.id, 'p_me2');
    assert.equal(room.sessionId, 's_p_me2');
    assert.deepEqual([...room.participants.keys()], ['p_bob', 'p_dave'], 'our old participant is not a peer');
    assert.ok(toBob.closed && toCarol.closed, 'the old calls are closed');
    const [newBob, newDave] = [await pc(2), await pc(3)];
    assert.equal(FakePeerConnection.created.length, 4);
    for (const peer of [newBob, newDave]) assert.equal(peer.transceivers[0].sender.track, mic, 'the microphone goes to the new calls');
    const offers = [await next.nextSent('offer'), await next.nextSent('offer')];
    assert.deepEqual(offers.map((o) => o.to).sort(), ['p_bob', 'p_dave']);
    await sleep(20);
    assert.equal(next.sentOfType('offer').length, 2, 'the offers held for the old calls are not sent');

    // the next drop resumes the new session
    next.receive({ type: 'chat', seq: 41, from: 'p_bob', text: 'hi again', ts: 4 });
    next.drop(1006);
    const third = await server.socket(2);
    assert.deepEqual(resumeQuery(third.url), { session: 's_p_me2', lastSeq: '41' });
    await room.leave();
  });

  test('a draining node that asks to reconnect is resumed at once', async () => {
    const server = new FakeServer();
    server.onConnect = (ws, index) => {
      if (index > 0) return;
      serve(ws);
      ws.receive(joinedFrame('p_me', [participant('p_bob')], { seq: 10 }));
    };
    // a backoff this long would outlast waitFor: only an immediate attempt passes
    const room = await open(server, { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    const toBob = await pc(0);
    const delays: number[] = [];
    const log = record(room);
    room.on('reconnecting', (_attempt, delayMs) => delays.push(delayMs));

    const ws = server.sockets[0];
    ws.receive({ type: 'disconnect', reason: 'server-shutdown', reconnect: true });
    ws.drop(1001, 'server-shutdown');
    const next = await server.socket(1);
    assert.deepEqual(resumeQuery(next.url), { session: 's_p_me', lastSeq: '10' });
    serve(next);
    next.receive(resumedFrame('p_me', 10));
    await waitFor('reconnected', () => log.includes('reconnected resumed'));

    assert.deepEqual(delays, [0]);
    assert.deepEqual(log, ['reconnecting', 'reconnecting 1', 'connected', 'reconnected resumed']);
    assert.equal(room.localParticipant.id, 'p_me');
    assert.equal(toBob.closed, false);
    assert.equal(FakePeerConnection.created.length, 1);
    await room.leave();
  });

  test('a connection closed as resumed-elsewhere is not reconnected', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me', [participant('p_bob')]));
    const room = await open(server);
    const toBob = await pc(0);
    const log = record(room);
    let ended: BifrostError | undefined;
    room.on('disconnected', (_reason, error) => {
      ended = error;
    });

    server.sockets[0].drop(1000, 'resumed-elsewhere');
    await waitFor('disconnected', () => room.connectionState === 'disconnected');
    assert.deepEqual(log, ['disconnected', 'disconnected resumed-elsewhere connection-lost']);
    assert.equal(ended?.reason, 'resumed-elsewhere');
    assert.equal(toBob.closed, true);
    await sleep(100);
    assert.equal(server.sockets.length, 1, 'no new connection');
    assert.equal(server.validateCalls.length, 0);
  });

  test("a resumed session's ICE servers are used from then on", async () => {
    const { server, room, ws, toBob } = await callingRoom();
    const fresher = [{ urls: ['turn:turn.example.org:3478'], username: '1795345200:me', credential: 'n3w' }];
    ws.drop(1006);
    const next = await server.socket(1);
    serve(next);
    next.receive(resumedFrame('p_me', 10, { iceServers: fresher }));
    next.receive({ type: 'participant-joined', seq: 11, participant: participant('p_dave') });
    next.receive({ type: 'offer', from: 'p_dave', sdp: 'offer-from-dave' });
    const toDave = await pc(2);
    assert.deepEqual(toDave.config.iceServers, fresher, 'a new call');
    assert.deepEqual(toBob.configurations.map((c) => c.iceServers), [fresher], 'a kept call, for its next gathering');
    await room.leave();
  });

  test('the ICE servers given to connect() stay, resumed or not', async () => {
    const { server, room, ws, toBob } = await callingRoom({ iceServers: [] });
    ws.drop(1006);
    const next = await server.socket(1);
    serve(next);
    next.receive(resumedFrame('p_me', 10));
    await waitFor('connected', () => room.connectionState === 'connected');
    assert.deepEqual(toBob.configurations, []);
    await room.leave();
  });

  test('a resume attempt that fails is followed by another resume of the same point', async () => {
    const { server, room, ws } = await callingRoom();
    ws.drop(1006);
    (await server.socket(1)).drop(1006); // the node we reached is gone too
    const third = await server.socket(2);
    assert.deepEqual(resumeQuery(third.url), { session: 's_p_me', lastSeq: '10' });
    serve(third);
    third.receive(resumedFrame('p_me', 10));
    await waitFor('connected', () => room.connectionState === 'connected');
    assert.equal(room.localParticipant.id, 'p_me');
    await room.leave();
  });
});

describe('token refresh', () => {
  test('the newest token from the server is kept, reported, and presented on every reconnect', async () => {
    const { server, room, ws } = await callingRoom();
    const refreshed: Array<[string, number]> = [];
    room.on('tokenRefreshed', (token, expiresAt) => refreshed.push([token, expiresAt]));
    assert.equal(room.token, 't');
    ws.receive({ type: 'token', token: 'fresh-1', expiresAt: 1795345200000 });
    await waitFor('the fresh token', () => refreshed.length === 1);
    assert.deepEqual(refreshed, [['fresh-1', 1795345200000]]);
    assert.equal(room.token, 'fresh-1');
    ws.drop(1006);

    const next = await server.socket(1);
    assert.match(next.url, /^ws:\/\/h\/rtc\?access_token=fresh-1&session=s_p_me&lastSeq=10$/);
    assert.deepEqual(server.validateCalls, ['http://h/rtc/validate?access_token=fresh-1']);
    serve(next);
    next.receive(resumedFrame('p_me', 10));
    await waitFor('resumed', () => room.connectionState === 'connected');
    next.receive({ type: 'token', token: 'fresh-2', expiresAt: 1795348800000 });
    await waitFor('the next token', () => room.token === 'fresh-2');
    next.drop(1006);

    const third = await server.socket(2);
    assert.match(third.url, /access_token=fresh-2&/);
  });
});

describe('Signaling, resuming', () => {
  test('resume-failed before the first frame waits for the joined that follows it', async () => {
    const ws = new FakeWebSocket('ws://h/rtc?access_token=t&session=s_1&lastSeq=7');
    const signaling = new Signaling(ws.url, { requestTimeoutMs: 1000, webSocketFactory: () => ws as unknown as WebSocket });
    const joining = signaling.join();
    ws.open();
    ws.receive({ type: 'error', code: 'resume-failed', message: 'no session s_1 to resume' });
    ws.receive(joinedFrame('p_new'));
    const start = await joining;
    assert.equal(start.type, 'joined');
    assert.equal(start.participant.id, 'p_new');
    assert.equal(signaling.resumeFailure?.code, 'resume-failed');
    assert.equal(signaling.resumeFailure?.message, 'no session s_1 to resume');
    signaling.close();
  });

  test('resumed is the first frame of a resumed session', async () => {
    const ws = new FakeWebSocket('ws://h/rtc?access_token=t&session=s_p_me&lastSeq=7');
    const signaling = new Signaling(ws.url, { requestTimeoutMs: 1000, webSocketFactory: () => ws as unknown as WebSocket });
    const joining = signaling.join();
    ws.open();
    ws.receive(resumedFrame('p_me', 7));
    const start = await joining;
    assert.equal(start.type, 'resumed');
    assert.equal(start.seq, 7);
    assert.equal(signaling.resumeFailure, undefined);
    assert.equal(signaling.isOpen, true);
    signaling.close();
  });
});
