/**
 * The audio mesh over a scripted RTCPeerConnection: who is polite, what is signalled, the ICE
 * candidate filter both ways, publishing, tracks, and the microphone after a reconnect.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { candidateAddress, loopbackCandidatesOnly } from '../src/mesh.js';
import type { RemoteParticipant } from '../src/participant.js';
import { connect, type ConnectOptions, type Room } from '../src/room.js';
import { FakePeerConnection, FakeServer, FakeTrack, type FakeWebSocket, joinedFrame, participant, sleep, waitFor } from './fakes.js';

const LOOPBACK = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
const LAN = 'candidate:2 1 udp 2122194687 192.168.1.20 50001 typ host';

async function meshRoom(selfId: string, others: string[], extra: ConnectOptions = {}): Promise<{ room: Room; server: FakeServer; ws: FakeWebSocket }> {
  const server = new FakeServer();
  server.acceptAll((i) => joinedFrame(i === 0 ? selfId : `${selfId}_${i}`, others.map((id) => participant(id))));
  const room = await connect('http://h', 't', {
    webSocketFactory: server.webSocketFactory,
    fetch: server.fetch,
    peerConnectionFactory: FakePeerConnection.factory,
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    ...extra,
  });
  return { room, server, ws: server.sockets[0] };
}

/** The fake peer connection created for the n-th peer (in creation order). */
function pc(n: number): Promise<FakePeerConnection> {
  return waitFor(`peer connection #${n}`, () => FakePeerConnection.created[n]);
}

/** Answers every signal request with an ack, as the server does once the room relayed it. */
function ackSignals(ws: FakeWebSocket): void {
  const previous = ws.autoReply;
  ws.autoReply = (f) => (['offer', 'answer', 'candidate'].includes(f.type) ? { type: 'ack', id: f.id } : previous?.(f) ?? null);
}

beforeEach(() => {
  FakePeerConnection.created.length = 0;
});

describe('candidate filter helpers', () => {
  test('candidateAddress reads the connection address of a candidate line', () => {
    assert.equal(candidateAddress(LOOPBACK), '127.0.0.1');
    assert.equal(candidateAddress('candidate:3 1 udp 1 abcd.local 9 typ host'), 'abcd.local');
    assert.equal(candidateAddress(''), undefined);
    assert.equal(loopbackCandidatesOnly({ candidate: LOOPBACK }), true);
    assert.equal(loopbackCandidatesOnly({ candidate: LAN }), false);
  });
});

describe('mesh', () => {
  test('one peer per participant; the advertised ICE servers unless overridden; an offer goes out', async () => {
    const { room, ws } = await meshRoom('p_m', ['p_a', 'p_z']);
    ackSignals(ws);
    const [a, z] = [await pc(0), await pc(1)];
    assert.deepEqual(a.config.iceServers, [{ urls: ['stun:stun.example.org:3478'] }]);
    assert.equal(z.transceivers[0].direction, 'recvonly', 'nothing published yet: receive only');
    const offers = [await ws.nextSent('offer'), await ws.nextSent('offer')];
    assert.deepEqual(offers.map((o) => o.to).sort(), ['p_a', 'p_z']);
    await room.leave();

    const overridden = await meshRoom('p_m', ['p_a'], { iceServers: [] });
    assert.deepEqual((await pc(2)).config.iceServers, []);
    await overridden.room.leave();
  });

  test('local candidates pass the filter; end-of-candidates is sent as null', async () => {
    const { room, ws } = await meshRoom('p_m', ['p_a'], { iceCandidateFilter: loopbackCandidatesOnly });
    ackSignals(ws);
    const peer = await pc(0);
    peer.gather(LAN);
    peer.gather(LOOPBACK);
    peer.gather(''); // end of a generation: not sent
    peer.gather(null);
    const first = await ws.nextSent('candidate');
    const second = await ws.nextSent('candidate');
    assert.deepEqual(first.candidate, { candidate: LOOPBACK, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' });
    assert.equal(first.to, 'p_a');
    assert.equal(second.candidate, null);
    assert.equal(ws.sentOfType('candidate').length, 2);
    await room.leave();
  });

  test('remote candidates pass the filter too; a null one ends their candidates', async () => {
    const { room, ws } = await meshRoom('p_m', ['p_a'], { iceCandidateFilter: loopbackCandidatesOnly });
    ackSignals(ws);
    const peer = await pc(0);
    await ws.nextSent('offer');
    ws.receive({ type: 'answer', from: 'p_a', sdp: 'answer-from-a' });
    ws.receive({ type: 'candidate', from: 'p_a', candidate: { candidate: LAN, sdpMid: '0', sdpMLineIndex: 0 } });
    ws.receive({ type: 'candidate', from: 'p_a', candidate: { candidate: LOOPBACK, sdpMid: '0', sdpMLineIndex: 0 } });
    ws.receive({ type: 'candidate', from: 'p_a', candidate: null });
    await waitFor('two candidates applied', () => peer.addedCandidates.length === 2);
    assert.deepEqual(peer.addedCandidates, [{ candidate: LOOPBACK, sdpMid: '0', sdpMLineIndex: 0 }, null]);
    await room.leave();
  });

  test('a participant who joins later makes the offer; ours is created by it and answers', async () => {
    const { room, ws } = await meshRoom('p_m', []);
    ackSignals(ws);
    const before = FakePeerConnection.created.length;
    ws.receive({ type: 'participant-joined', seq: 11, participant: { id: 'p_z', identity: 'zoe', name: 'Zoe', role: 'speaker', metadata: '' } });
    await waitFor('zoe listed', () => room.participants.has('p_z'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(FakePeerConnection.created.length, before, 'no peer, so no offer of ours to collide with theirs');
    ws.receive({ type: 'offer', from: 'p_z', sdp: 'offer-from-z' });
    const peer = await pc(before);
    const answer = await ws.nextSent('answer');
    assert.equal(answer.to, 'p_z');
    assert.deepEqual(peer.remoteDescriptions, [{ type: 'offer', sdp: 'offer-from-z' }]);
    await room.leave();
  });

  test('candidates of an ignored colliding offer are tried once the next description is in', async () => {
    // p_m > p_a: impolite toward p_a, so p_a's colliding offer is ignored. p_a (polite) rolls back
    // and may keep its ICE credentials, never sending these candidates again.
    const { room, ws } = await meshRoom('p_m', ['p_a']);
    ackSignals(ws);
    const peer = await pc(0);
    await ws.nextSent('offer');
    ws.receive({ type: 'offer', from: 'p_a', sdp: 'colliding-offer-from-a' });
    ws.receive({ type: 'candidate', from: 'p_a', candidate: { candidate: LOOPBACK, sdpMid: '0', sdpMLineIndex: 0 } });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(peer.addedCandidates, [], 'not applied while the offer is ignored');
    ws.receive({ type: 'answer', from: 'p_a', sdp: 'answer-from-a' });
    await waitFor('the held candidate applied', () => peer.addedCandidates.length === 1);
    assert.deepEqual(peer.addedCandidates, [{ candidate: LOOPBACK, sdpMid: '0', sdpMLineIndex: 0 }]);
    await room.leave();
  });

  test('the polite side (lower id) answers a colliding offer; the impolite side ignores it', async () => {
    // p_m < p_z: polite toward p_z. p_m > p_a: impolite toward p_a.
    const { room, ws } = await meshRoom('p_m', ['p_a', 'p_z']);
    ackSignals(ws);
    const [toA, toZ] = [await pc(0), await pc(1)];
    await waitFor('both offers made', () => toA.signalingState === 'have-local-offer' && toZ.signalingState === 'have-local-offer');
    ws.receive({ type: 'offer', from: 'p_a', sdp: 'offer-from-a' });
    ws.receive({ type: 'offer', from: 'p_z', sdp: 'offer-from-z' });
    const answer = await ws.nextSent('answer');
    assert.equal(answer.to, 'p_z');
    assert.deepEqual(toZ.remoteDescriptions, [{ type: 'offer', sdp: 'offer-from-z' }]);
    await sleep(20);
    assert.deepEqual(toA.remoteDescriptions, [], 'the impolite side keeps its own offer');
    assert.equal(ws.sentOfType('answer').length, 1);
    await room.leave();
  });

  test('a remote track is subscribed, counted, and unsubscribed when they leave', async () => {
    const { room, ws } = await meshRoom('p_m', ['p_a']);
    ackSignals(ws);
    const events: string[] = [];
    room.on('trackSubscribed', (track, p: RemoteParticipant) => events.push(`subscribed ${p.id} ${track.kind}`));
    room.on('trackUnsubscribed', (_track, p: RemoteParticipant) => events.push(`unsubscribed ${p.id}`));
    room.on('participantLeft', (p: RemoteParticipant, reason) => events.push(`left ${p.id} ${reason}`));
    const peer = await pc(0);
    const track = new FakeTrack('audio');
    peer.remoteTrack(track);
    const a = room.participants.get('p_a');
    assert.equal(a?.audioTrack, track as unknown as MediaStreamTrack);
    assert.deepEqual(await a?.stats(), { packetsReceived: 50, bytesReceived: 4000 });
    ws.receive({ type: 'participant-left', seq: 11, participantId: 'p_a', reason: 'left' });
    assert.deepEqual(events, ['subscribed p_a audio', 'unsubscribed p_a', 'left p_a left']);
    assert.equal(peer.closed, true);
    assert.equal(a?.audioTrack, undefined);
    assert.deepEqual(await a?.stats(), { packetsReceived: 0, bytesReceived: 0 });
    await room.leave();
  });

  test('publishing sends the track to every peer; unpublishing stops sending', async () => {
    const { room, ws } = await meshRoom('p_m', ['p_a', 'p_b']);
    ackSignals(ws);
    const peers = [await pc(0), await pc(1)];
    const mic = new FakeTrack('audio');
    await room.publishTrack(mic as unknown as MediaStreamTrack);
    for (const peer of peers) {
      assert.equal(peer.transceivers.length, 1, 'the same transceiver, no new m-line');
      assert.equal(peer.transceivers[0].sender.track, mic);
      assert.equal(peer.transceivers[0].direction, 'sendrecv');
    }
    assert.equal(room.localAudioTrack, mic as unknown as MediaStreamTrack);
    await room.unpublish();
    for (const peer of peers) {
      assert.equal(peer.transceivers[0].sender.track, null);
      assert.equal(peer.transceivers[0].direction, 'recvonly');
    }
    assert.equal(mic.stopped, false, 'a track the app made is the app\'s to stop');
    await room.leave();
  });

  test('after a rejoin every peer is rebuilt and gets the published microphone', async () => {
    const { room, server, ws } = await meshRoom('p_m', ['p_a', 'p_b']);
    ackSignals(ws);
    const mic = new FakeTrack('audio');
    await room.publishTrack(mic as unknown as MediaStreamTrack);
    const before = [await pc(0), await pc(1)];
    let reconnected = false;
    room.on('reconnected', () => {
      reconnected = true;
    });
    ws.drop(1006);
    await waitFor('reconnected', () => reconnected);
    assert.ok(before.every((p) => p.closed), 'the old calls are closed');
    const after = [await pc(2), await pc(3)];
    for (const peer of after) {
      assert.equal(peer.transceivers[0].sender.track, mic);
      assert.equal(peer.transceivers[0].direction, 'sendrecv');
    }
    ackSignals(server.sockets[1]);
    const offers = [await server.sockets[1].nextSent('offer'), await server.sockets[1].nextSent('offer')];
    assert.deepEqual(offers.map((o) => o.to).sort(), ['p_a', 'p_b']);
    await room.leave();
    assert.ok(after.every((p) => p.closed), 'leave closes every call');
  });
});
