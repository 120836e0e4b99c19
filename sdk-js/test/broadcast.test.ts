/**
 * Broadcast rooms over a scripted RTCPeerConnection: publishing to the SFU as the role allows,
 * answering the SFU's offers one at a time, promote/demote/mute about yourself, sfu-reset and
 * resume; the requests of raised hands and hosts; audio stats in both modes.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { BifrostError } from '../src/errors.js';
import type { JoinedFrame, ParticipantInfo } from '../src/protocol.js';
import { connect, type ConnectOptions, type Room } from '../src/room.js';
import {
  FakePeerConnection,
  FakeServer,
  FakeTrack,
  type FakeWebSocket,
  joinedFrame,
  participant,
  resumedFrame,
  serverReplies,
  sleep,
  waitFor,
} from './fakes.js';

const LOOPBACK = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
const SFU_CANDIDATE = { candidate: 'candidate:1 1 udp 2015363327 10.0.0.5 20000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
const ACKED = ['answer', 'candidate', 'raise-hand', 'lower-hand', 'promote', 'demote', 'mute', 'unpublish'];

const opened: Room[] = [];

beforeEach(() => {
  FakePeerConnection.created.length = 0;
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((room) => room.leave()));
});

/** The microphone of a test: each getUserMedia gives a new fake track. */
class FakeMicrophone {
  readonly tracks: FakeTrack[] = [];
  readonly getUserMedia = async (): Promise<MediaStream> => {
    const track = new FakeTrack('audio');
    this.tracks.push(track);
    return { getAudioTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream;
  };

  get last(): FakeTrack | undefined {
    return this.tracks[this.tracks.length - 1];
  }
}

/** A server with an SFU: publisher offers get the SFU's answer with their id; the rest is acked. */
function serveBroadcast(ws: FakeWebSocket): void {
  const replies = serverReplies(ws);
  ws.autoReply = (f) => {
    if (f.type === 'offer' && f.to === 'sfu') return { type: 'answer', id: f.id, from: 'sfu', target: 'publisher', sdp: `sfu-answer to ${f.id}` };
    if (ACKED.includes(f.type)) return { type: 'ack', id: f.id };
    return replies(f);
  };
  ws.open();
}

function broadcastJoined(self: ParticipantInfo, others: ParticipantInfo[] = [], overrides: Partial<JoinedFrame> = {}): JoinedFrame {
  return joinedFrame(self.id, others, { mode: 'broadcast', participant: self, ...overrides });
}

async function broadcastRoom(role: string, others: ParticipantInfo[] = [], extra: ConnectOptions = {}) {
  const server = new FakeServer();
  const microphone = new FakeMicrophone();
  server.onConnect = (ws, index) => {
    if (index > 0) return;
    serveBroadcast(ws);
    ws.receive(broadcastJoined(participant('p_me', 'me', role), others));
  };
  const room = await connect('http://h', 't', {
    webSocketFactory: server.webSocketFactory,
    fetch: server.fetch,
    peerConnectionFactory: FakePeerConnection.factory,
    getUserMedia: microphone.getUserMedia,
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    ...extra,
  });
  opened.push(room);
  return { room, server, ws: server.sockets[0], microphone };
}

function pc(n: number): Promise<FakePeerConnection> {
  return waitFor(`peer connection #${n}`, () => FakePeerConnection.created[n]);
}

/** Everything the app sees of participants, as short lines. */
function record(room: Room): string[] {
  const log: string[] = [];
  room.on('participantUpdated', (p, change) => log.push(`updated ${p.id} ${change} ${p.role}${p.handRaised ? ' hand' : ''}${p.muted ? ' muted' : ''}`));
  room.on('trackSubscribed', (_track, p) => log.push(`subscribed ${p.id}`));
  room.on('trackUnsubscribed', (_track, p) => log.push(`unsubscribed ${p.id}`));
  room.on('error', (e) => log.push(`error ${e.code}`));
  return log;
}

function updated(seq: number, info: ParticipantInfo, change: string): object {
  return { type: 'participant-updated', seq, participant: info, change };
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

describe('broadcast publishing', () => {
  test('a host publishes its microphone to the sfu at once, and no call is made with the others', async () => {
    const { room, ws, microphone } = await broadcastRoom('host', [participant('p_bob'), participant('p_carol', 'carol', 'listener')]);
    assert.equal(room.mode, 'broadcast');
    const offer = await ws.nextSent('offer');
    assert.equal(offer.to, 'sfu');
    assert.equal(offer.target, undefined, 'an offer names no target: it is always the publisher');
    const publisher = await pc(0);
    assert.equal(publisher.transceivers.length, 1);
    assert.equal(publisher.transceivers[0].direction, 'sendonly');
    assert.equal(publisher.transceivers[0].sender.track, microphone.last);
    assert.deepEqual(publisher.config.iceServers, [{ urls: ['stun:stun.example.org:3478'] }], 'the servers of joined');
    await waitFor('the sfu answer applied', () => publisher.remoteDescription);
    assert.deepEqual(publisher.remoteDescriptions, [{ type: 'answer', sdp: `sfu-answer to ${offer.id}` }]);
    assert.equal(room.localAudioTrack, microphone.last as unknown as MediaStreamTrack);
    await sleep(20);
    assert.equal(FakePeerConnection.created.length, 1, 'no mesh peer connection in a broadcast room');
  });

  test('candidates of the publisher wait for the sfu answer, then go out with target publisher', async () => {
    const server = new FakeServer();
    const microphone = new FakeMicrophone();
    let heldOffer: { id?: string } | undefined;
    server.onConnect = (ws) => {
      serveBroadcast(ws);
      const replies = ws.autoReply;
      ws.autoReply = (f) => {
        if (f.type === 'offer') {
          heldOffer = f; // the SFU takes its time
          return null;
        }
        return replies?.(f) ?? null;
      };
      ws.receive(broadcastJoined(participant('p_me', 'me', 'speaker')));
    };
    const room = await connect('http://h', 't', {
      webSocketFactory: server.webSocketFactory, fetch: server.fetch, peerConnectionFactory: FakePeerConnection.factory,
      getUserMedia: microphone.getUserMedia,
    });
    opened.push(room);
    const ws = server.sockets[0];
    const publisher = await pc(0);
    await waitFor('the offer', () => heldOffer);
    publisher.gather(LOOPBACK);
    publisher.gather(null);
    await sleep(20);
    assert.deepEqual(ws.sentOfType('candidate'), [], 'nothing before the answer');
    ws.receive({ type: 'candidate', from: 'sfu', target: 'publisher', candidate: SFU_CANDIDATE }); // before its answer, too
    ws.receive({ type: 'answer', id: heldOffer?.id, from: 'sfu', target: 'publisher', sdp: 'late answer' });
    const [first, second] = [await ws.nextSent('candidate'), await ws.nextSent('candidate')];
    assert.deepEqual([first.to, first.target, (first.candidate as { candidate: string }).candidate], ['sfu', 'publisher', LOOPBACK]);
    assert.deepEqual([second.target, second.candidate], ['publisher', null]);
    await waitFor('the sfu candidate applied', () => publisher.addedCandidates.length === 1);
    assert.deepEqual(publisher.addedCandidates, [SFU_CANDIDATE]);
  });

  test('a listener publishes nothing and opens no microphone; publishing anyway is refused and the microphone closed', async () => {
    const { room, ws, microphone } = await broadcastRoom('listener', [participant('p_host', 'host', 'host')]);
    await sleep(30);
    assert.deepEqual(ws.sentOfType('offer'), []);
    assert.equal(microphone.tracks.length, 0);
    assert.equal(FakePeerConnection.created.length, 0);

    ws.autoReply = (f) => (f.type === 'offer' ? { type: 'error', id: f.id, code: 'forbidden', message: 'listeners may not publish' } : null);
    const e = await rejection(room.publishMicrophone());
    assert.equal(e.code, 'forbidden');
    assert.equal(microphone.last?.stopped, true);
    assert.equal(room.localAudioTrack, undefined);
    assert.equal((await pc(0)).closed, true);
  });

  test('with autoPublish off a host publishes when it asks to', async () => {
    const { room, ws, microphone } = await broadcastRoom('host', [], { autoPublish: false });
    await sleep(30);
    assert.deepEqual(ws.sentOfType('offer'), []);
    const track = await room.publishMicrophone();
    assert.equal(track, microphone.last as unknown as MediaStreamTrack);
    assert.equal((await ws.nextSent('offer')).to, 'sfu');
    assert.deepEqual((await pc(0)).remoteDescriptions.map((d) => d.type), ['answer']);
  });

  test('unpublish closes the publisher, stops the microphone and tells the server', async () => {
    const { room, ws, microphone } = await broadcastRoom('host');
    await ws.nextSent('offer');
    const publisher = await pc(0);
    await waitFor('published', () => publisher.remoteDescription);
    await room.unpublish();
    assert.equal(publisher.closed, true);
    assert.equal(microphone.last?.stopped, true);
    assert.equal(ws.sentOfType('unpublish').length, 1);
  });
});

describe('broadcast listening', () => {
  test("the sfu's offers are answered to the sfu, one at a time, on one connection", async () => {
    const { room, ws } = await broadcastRoom('listener', [participant('p_bob'), participant('p_dan')]);
    const log = record(room);
    const acks: (() => void)[] = [];
    ws.autoReply = (f) => {
      if (f.type === 'answer') acks.push(() => ws.receive({ type: 'ack', id: f.id })); // acked when the test says
      return f.type === 'candidate' ? { type: 'ack', id: f.id } : null;
    };
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob' });
    ws.receive({ type: 'candidate', from: 'sfu', target: 'subscriber', candidate: SFU_CANDIDATE });
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob, dan' });
    const subscriber = await pc(0);
    const first = await ws.nextSent('answer');
    assert.deepEqual([first.to, first.target], ['sfu', undefined]);
    await sleep(20);
    assert.deepEqual(subscriber.remoteDescriptions.map((d) => d.sdp), ['speakers: bob'], 'the second waits for the first answer');
    acks.shift()?.();
    const second = await ws.nextSent('answer');
    assert.equal(second.to, 'sfu');
    assert.deepEqual(subscriber.remoteDescriptions.map((d) => d.sdp), ['speakers: bob', 'speakers: bob, dan']);
    assert.deepEqual(subscriber.addedCandidates, [SFU_CANDIDATE]);
    acks.shift()?.();
    assert.equal(FakePeerConnection.created.length, 1, 'one subscriber connection for every offer');

    // the SFU labels each stream with its publisher: tracks are theirs
    const bobTrack = new FakeTrack('audio');
    const strayTrack = new FakeTrack('audio');
    subscriber.remoteTrack(bobTrack, ['janus-p_bob']);
    subscriber.remoteTrack(strayTrack, ['janus']);
    const bob = room.participants.get('p_bob');
    assert.equal(bob?.audioTrack, bobTrack as unknown as MediaStreamTrack);
    assert.equal(room.participants.get('p_dan')?.audioTrack, undefined);
    assert.deepEqual(log, ['subscribed p_bob']);

    ws.receive({ type: 'participant-left', seq: 11, participantId: 'p_bob', reason: 'left' });
    assert.deepEqual(log, ['subscribed p_bob', 'unsubscribed p_bob']);
  });

  test("an offer with new ICE credentials (a moved subscription) gets a new connection; the old one's tracks end", async () => {
    const { room, ws } = await broadcastRoom('listener', [participant('p_bob')]);
    const log = record(room);
    ws.autoReply = (f) => (f.type === 'answer' || f.type === 'candidate' ? { type: 'ack', id: f.id } : null);
    const sdp = (ufrag: string, version: number) => `v=0\r\no=- ${version} ${version} IN IP4 10.0.0.2\r\ns=-\r\na=ice-ufrag:${ufrag}\r\n`;
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: sdp('aaaa', 1) });
    await ws.nextSent('answer');
    const first = await pc(0);
    first.remoteTrack(new FakeTrack('audio'), ['janus-p_bob']);
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: sdp('aaaa', 2) });
    await ws.nextSent('answer');
    assert.equal(FakePeerConnection.created.length, 1, 'a renegotiation of the same connection keeps it');

    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: sdp('bbbb', 1) });
    await ws.nextSent('answer');
    const moved = await pc(1);
    assert.equal(first.closed, true);
    assert.deepEqual(moved.remoteDescriptions.map((d) => d.sdp), [sdp('bbbb', 1)]);
    assert.deepEqual(log, ['subscribed p_bob', 'unsubscribed p_bob']);
  });

  test('an sfu-unavailable error without id is reported and the room stays connected', async () => {
    const { room, ws } = await broadcastRoom('listener');
    const log = record(room);
    ws.receive({ type: 'error', code: 'sfu-unavailable', message: 'no SFU node is reachable' });
    await sleep(10);
    assert.deepEqual(log, ['error sfu-unavailable']);
    assert.equal(room.connectionState, 'connected');
  });
});

describe('broadcast roles and mute', () => {
  test('promoted, the listener publishes; muted, its track is disabled; demoted, it stops', async () => {
    const { room, ws, microphone } = await broadcastRoom('listener', [participant('p_host', 'host', 'host')]);
    const log = record(room);
    ws.receive(updated(11, participant('p_me', 'me', 'listener', { handRaised: true }), 'hand'));
    ws.receive(updated(12, participant('p_me', 'me', 'speaker'), 'role'));
    assert.equal(room.localParticipant.role, 'speaker');
    const offer = await ws.nextSent('offer');
    assert.equal(offer.to, 'sfu');
    const publisher = await pc(0);
    await waitFor('published', () => publisher.remoteDescription);
    const mic = microphone.last as FakeTrack;
    assert.equal(publisher.transceivers[0].sender.track, mic);

    ws.receive(updated(13, participant('p_me', 'me', 'speaker', { muted: true }), 'mute'));
    assert.equal(mic.enabled, false);
    assert.equal(room.localParticipant.muted, true);
    ws.receive(updated(14, participant('p_me', 'me', 'speaker'), 'mute'));
    assert.equal(mic.enabled, true);

    ws.receive(updated(15, participant('p_me', 'me', 'listener'), 'role'));
    await waitFor('the publisher closed', () => publisher.closed);
    assert.equal(mic.stopped, true);
    assert.equal(room.localAudioTrack, undefined);
    assert.deepEqual(log, [
      'updated p_me hand listener hand', 'updated p_me role speaker', 'updated p_me mute speaker muted',
      'updated p_me mute speaker', 'updated p_me role listener',
    ]);
    await sleep(20);
    assert.equal(ws.sentOfType('offer').length, 1);
  });

  test('with autoPublish off a promotion publishes nothing by itself', async () => {
    const { ws, microphone } = await broadcastRoom('listener', [], { autoPublish: false });
    ws.receive(updated(11, participant('p_me', 'me', 'speaker'), 'role'));
    await sleep(30);
    assert.deepEqual(ws.sentOfType('offer'), []);
    assert.equal(microphone.tracks.length, 0);
  });

  test('a track published while muted starts disabled', async () => {
    const server = new FakeServer();
    server.acceptAll(() => broadcastJoined(participant('p_me', 'me', 'speaker', { muted: true })));
    const microphone = new FakeMicrophone();
    const room = await connect('http://h', 't', {
      webSocketFactory: server.webSocketFactory, fetch: server.fetch, peerConnectionFactory: FakePeerConnection.factory,
      getUserMedia: microphone.getUserMedia,
    });
    opened.push(room);
    await waitFor('the microphone', () => microphone.last);
    assert.equal(microphone.last?.enabled, false);
  });

  test("other participants' updates reach their RemoteParticipant", async () => {
    const { room, ws } = await broadcastRoom('host', [participant('p_bob', 'bob', 'listener')]);
    const log = record(room);
    const bob = room.participants.get('p_bob');
    ws.receive(updated(11, participant('p_bob', 'bob', 'listener', { handRaised: true }), 'hand'));
    assert.equal(bob?.handRaised, true);
    ws.receive(updated(12, participant('p_bob', 'bob', 'speaker', { publishing: true }), 'role'));
    assert.equal(bob?.role, 'speaker');
    assert.equal(bob?.publishing, true);
    ws.receive(updated(12, participant('p_bob', 'bob', 'listener'), 'role')); // a repeat: skipped
    assert.deepEqual(log, ['updated p_bob hand listener hand', 'updated p_bob role speaker']);
    assert.equal(room.participants.get('p_bob'), bob, 'the same object');
  });
});

describe('broadcast recovery', () => {
  test('sfu-reset publishes the same microphone again on a new connection', async () => {
    const { ws, microphone } = await broadcastRoom('host');
    await ws.nextSent('offer');
    const first = await pc(0);
    await waitFor('published', () => first.remoteDescription);
    ws.receive({ type: 'sfu-reset', target: 'publisher', reason: 'the SFU node was lost' });
    const offer = await ws.nextSent('offer');
    assert.equal(offer.to, 'sfu');
    const second = await pc(1);
    assert.equal(first.closed, true);
    assert.equal(second.transceivers[0].sender.track, microphone.last);
    assert.equal(microphone.tracks.length, 1, 'the microphone stays open');
    await waitFor('published again', () => second.remoteDescription);
  });

  test('a resumed session drops its sfu connections, publishes again and answers the fresh offer', async () => {
    const { room, server, ws, microphone } = await broadcastRoom('host', [participant('p_bob')]);
    await ws.nextSent('offer');
    const publisher = await pc(0);
    await waitFor('published', () => publisher.remoteDescription);
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob' });
    await ws.nextSent('answer');
    const subscriber = await pc(1);
    const log = record(room);
    subscriber.remoteTrack(new FakeTrack('audio'), ['p_bob']);

    ws.drop(1006);
    const next = await server.socket(1);
    serveBroadcast(next);
    next.receive(resumedFrame('p_me', 10, { mode: 'broadcast' }));
    const offer = await next.nextSent('offer');
    assert.equal(offer.to, 'sfu');
    assert.ok(publisher.closed && subscriber.closed, 'the old connections are closed');
    const republished = await pc(2);
    assert.equal(republished.transceivers[0].sender.track, microphone.last);
    assert.equal(microphone.tracks.length, 1);
    next.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob, again' });
    assert.equal((await next.nextSent('answer')).to, 'sfu');
    const resubscribed = await pc(3);
    assert.deepEqual(resubscribed.remoteDescriptions.map((d) => d.sdp), ['speakers: bob, again']);
    assert.deepEqual(log, ['subscribed p_bob', 'unsubscribed p_bob']);
    assert.equal(room.localParticipant.id, 'p_me');
  });

  test('leaving closes both connections and the microphone', async () => {
    const { room, ws, microphone } = await broadcastRoom('host');
    await ws.nextSent('offer');
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: none yet' });
    await ws.nextSent('answer');
    const [publisher, subscriber] = [await pc(0), await pc(1)];
    await room.leave();
    assert.ok(publisher.closed && subscriber.closed);
    assert.equal(microphone.last?.stopped, true);
  });
});

describe('raise hand, promote, demote, mute', () => {
  test('each request sends its frame and resolves on the ack', async () => {
    const { room, ws } = await broadcastRoom('host', [participant('p_bob', 'bob', 'listener')]);
    await room.raiseHand();
    await room.lowerHand();
    await room.promote('p_bob');
    await room.demote('p_bob');
    await room.mute('p_bob');
    await room.mute('p_bob', false);
    const frames = ws.sent
      .filter((f) => ['raise-hand', 'lower-hand', 'promote', 'demote', 'mute'].includes(f.type))
      .map(({ id, ...rest }) => {
        assert.equal(typeof id, 'string');
        return rest;
      });
    assert.deepEqual(frames, [
      { type: 'raise-hand' },
      { type: 'lower-hand' },
      { type: 'promote', participantId: 'p_bob' },
      { type: 'demote', participantId: 'p_bob' },
      { type: 'mute', participantId: 'p_bob', muted: true },
      { type: 'mute', participantId: 'p_bob', muted: false },
    ]);
  });

  test("a refusal rejects with the server's code", async () => {
    const { room, ws } = await broadcastRoom('listener', [participant('p_bob')]);
    ws.autoReply = (f) => ({ type: 'error', id: f.id, code: 'forbidden', message: `participant p_me may not ${f.type}` });
    const e = await rejection(room.promote('p_bob'));
    assert.equal(e.code, 'forbidden');
    assert.equal(e.message, 'participant p_me may not promote');
    assert.equal((await rejection(room.mute('p_bob'))).code, 'forbidden');
    assert.equal(room.connectionState, 'connected');
  });

  test('a request while not connected rejects with connection-lost', async () => {
    const { room } = await broadcastRoom('listener');
    await room.leave();
    assert.equal((await rejection(room.raiseHand())).code, 'connection-lost');
  });

  test('in a mesh room the requests work the same, and a mute disables the published track', async () => {
    const server = new FakeServer();
    server.onConnect = (ws) => {
      serveBroadcast(ws);
      ws.receive(joinedFrame('p_me', [participant('p_bob')]));
    };
    const room = await connect('http://h', 't', {
      webSocketFactory: server.webSocketFactory, fetch: server.fetch, peerConnectionFactory: FakePeerConnection.factory,
    });
    opened.push(room);
    const ws = server.sockets[0];
    await room.raiseHand();
    assert.equal(ws.sentOfType('raise-hand').length, 1);
    const mic = new FakeTrack('audio');
    await room.publishTrack(mic as unknown as MediaStreamTrack);
    ws.receive(updated(11, participant('p_me', 'me', 'host', { muted: true }), 'mute'));
    assert.equal(mic.enabled, false);
    ws.receive(updated(12, participant('p_me', 'me', 'listener', { muted: true }), 'role'));
    assert.equal(room.localAudioTrack, mic as unknown as MediaStreamTrack, 'a mesh room publishes as the app says');
  });
});

describe('audioStats', () => {
  test('mesh: one entry per received stream, named after its peer, and what was sent', async () => {
    const server = new FakeServer();
    server.acceptAll(() => joinedFrame('p_me', [participant('p_a'), participant('p_b')]));
    const room = await connect('http://h', 't', {
      webSocketFactory: server.webSocketFactory, fetch: server.fetch, peerConnectionFactory: FakePeerConnection.factory,
    });
    opened.push(room);
    await pc(1);
    const stats = await room.audioStats();
    assert.deepEqual(stats.received.map((s) => s.participantId).sort(), ['p_a', 'p_b']);
    assert.deepEqual(stats.received[0], { participantId: stats.received[0].participantId, packetsReceived: 50, bytesReceived: 4000, totalAudioEnergy: 0.25, audioLevel: 0.1 });
    assert.equal(stats.packetsSent, 100);
    assert.deepEqual(await room.participants.get('p_a')?.stats(), { packetsReceived: 50, bytesReceived: 4000 });
  });

  test('broadcast: streams are named after the participant their track belongs to', async () => {
    const { room, ws } = await broadcastRoom('host', [participant('p_bob')]);
    await ws.nextSent('offer');
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob' });
    await ws.nextSent('answer');
    const [publisher, subscriber] = [await pc(0), await pc(1)];
    const bobTrack = new FakeTrack('audio', 'track-of-bob');
    subscriber.remoteTrack(bobTrack, ['p_bob']);
    subscriber.stats = [
      { type: 'inbound-rtp', kind: 'audio', trackIdentifier: 'track-of-bob', packetsReceived: 7, bytesReceived: 700, totalAudioEnergy: 0.5, audioLevel: 0.2 },
      { type: 'inbound-rtp', kind: 'audio', trackIdentifier: 'nobody-knows', packetsReceived: 3, bytesReceived: 300 },
    ];
    publisher.stats = [{ type: 'outbound-rtp', kind: 'audio', packetsSent: 40, bytesSent: 3200 }];
    const stats = await room.audioStats();
    assert.deepEqual(stats, {
      received: [
        { participantId: 'p_bob', packetsReceived: 7, bytesReceived: 700, totalAudioEnergy: 0.5, audioLevel: 0.2 },
        { packetsReceived: 3, bytesReceived: 300, totalAudioEnergy: 0, audioLevel: 0 },
      ],
      packetsSent: 40,
      bytesSent: 3200,
    });
    assert.deepEqual(await room.participants.get('p_bob')?.stats(), { packetsReceived: 7, bytesReceived: 700 });
  });
});
