/**
 * Large audiences in broadcast rooms: the server's `listeners` count, and the participant list
 * once the room is too large to list every listener (`listed: false`): listeners with their
 * hand down leave it as `unlisted` and their joins are ignored, a raised hand or a promotion
 * lists one again, a lowered hand or a demotion unlists it. Mesh rooms have no audience; a
 * rejoin starts listed again, a resume keeps what it had.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { JoinedFrame, ParticipantInfo } from '../src/protocol.js';
import { connect, type Room } from '../src/room.js';
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

const opened: Room[] = [];

beforeEach(() => {
  FakePeerConnection.created.length = 0;
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((room) => room.leave()));
});

/** A server that acks every request and answers pings and leave. */
function serve(ws: FakeWebSocket): void {
  const replies = serverReplies(ws);
  ws.autoReply = (f) => (f.type === 'ping' || f.type === 'leave' ? replies(f) : { type: 'ack', id: f.id });
  ws.open();
}

const HOST = participant('p_host', 'host', 'host');
const BOB = participant('p_bob', 'bob', 'speaker');
const CAROL = participant('p_carol', 'carol', 'listener');
const DAN = participant('p_dan', 'dan', 'listener', { handRaised: true });

/** A listener (p_me) in a room of `others`; later connections are the test's to play. */
async function audienceRoom(others: ParticipantInfo[] = [HOST, BOB, CAROL, DAN], mode: JoinedFrame['mode'] = 'broadcast') {
  const server = new FakeServer();
  server.onConnect = (ws, index) => {
    if (index > 0) return;
    serve(ws);
    ws.receive(joinedFrame('p_me', others, { mode, participant: participant('p_me', 'me', 'listener'), seq: 10 }));
  };
  const room = await connect('http://h', 't', {
    webSocketFactory: server.webSocketFactory,
    fetch: server.fetch,
    peerConnectionFactory: FakePeerConnection.factory,
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
  });
  opened.push(room);
  return { room, server, ws: server.sockets[0] };
}

/** Everything the app sees of the room's people, as short lines. */
function record(room: Room): string[] {
  const log: string[] = [];
  room.on('listeners', (count, listed) => log.push(`listeners ${count}${listed ? '' : ' unlisted'}`));
  room.on('participantJoined', (p) => log.push(`joined ${p.id}`));
  room.on('participantUpdated', (p, change) => log.push(`updated ${p.id} ${change}`));
  room.on('participantLeft', (p, reason) => log.push(`left ${p.id} ${reason}`));
  room.on('trackUnsubscribed', (_track, p) => log.push(`unsubscribed ${p.id}`));
  room.on('reconnected', (how) => log.push(`reconnected ${how}`));
  room.on('error', (e) => log.push(`error ${e.code}`));
  return log;
}

function ids(room: Room): string[] {
  return [...room.participants.keys()].sort();
}

function listeners(count: number, listed: boolean): object {
  return { type: 'listeners', count, listed };
}

function joined(seq: number, info: ParticipantInfo): object {
  return { type: 'participant-joined', seq, participant: info };
}

function updated(seq: number, info: ParticipantInfo, change: string): object {
  return { type: 'participant-updated', seq, participant: info, change };
}

function left(seq: number, id: string, reason = 'left'): object {
  return { type: 'participant-left', seq, participantId: id, reason };
}

describe('listener count', () => {
  test('each count sets listenerCount and is announced; a listed room keeps every listener', async () => {
    const { room, ws } = await audienceRoom();
    assert.equal(room.listenerCount, 0, 'no count before the first');
    assert.equal(room.listenersListed, true);
    const log = record(room);

    ws.receive(listeners(3, true));
    assert.equal(room.listenerCount, 3);
    ws.receive(listeners(4, true));
    ws.receive(joined(11, participant('p_erin', 'erin', 'listener')));

    assert.deepEqual(log, ['listeners 3', 'listeners 4', 'joined p_erin']);
    assert.equal(room.listenerCount, 4);
    assert.equal(room.listenersListed, true);
    assert.deepEqual(ids(room), ['p_bob', 'p_carol', 'p_dan', 'p_erin', 'p_host']);
  });

  test('a listeners frame the SDK cannot read is an error event and changes nothing', async () => {
    const { room, ws } = await audienceRoom();
    ws.receive(listeners(7, true));
    const log = record(room);

    ws.receive({ type: 'listeners', count: 'many', listed: false });
    ws.receive({ type: 'listeners', count: 120 });

    await waitFor('two errors', () => log.length === 2);
    assert.deepEqual(log, ['error bad-request', 'error bad-request']);
    assert.equal(room.listenerCount, 7);
    assert.equal(room.listenersListed, true);
    assert.deepEqual(ids(room), ['p_bob', 'p_carol', 'p_dan', 'p_host']);
  });

  test('mesh rooms have no audience: a listeners frame is ignored and listeners stay listed', async () => {
    const { room, ws } = await audienceRoom([HOST, CAROL], 'mesh');
    const log = record(room);

    ws.receive(listeners(150, false));
    ws.receive(joined(11, participant('p_erin', 'erin', 'listener')));
    ws.receive(updated(12, { ...CAROL, handRaised: true }, 'hand'));
    ws.receive(updated(13, CAROL, 'hand'));

    assert.deepEqual(log, ['joined p_erin', 'updated p_carol hand', 'updated p_carol hand']);
    assert.equal(room.listenerCount, 0);
    assert.equal(room.listenersListed, true);
    assert.deepEqual(ids(room), ['p_carol', 'p_erin', 'p_host']);
  });
});

describe('large audience', () => {
  test('listed false unlists the listeners whose hand is down, once; speakers keep their audio', async () => {
    const { room, ws } = await audienceRoom();
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob' });
    await ws.nextSent('answer');
    const subscriber = await waitFor('the subscriber connection', () => FakePeerConnection.created[0]);
    const bobTrack = new FakeTrack('audio');
    subscriber.remoteTrack(bobTrack, ['p_bob']);
    const carol = room.participants.get('p_carol');
    const log = record(room);
    let listedWhenLeft: boolean | undefined;
    room.on('participantLeft', () => {
      listedWhenLeft = room.listenersListed;
    });

    ws.receive(listeners(101, false));

    assert.deepEqual(log, ['left p_carol unlisted', 'listeners 101 unlisted']);
    assert.equal(listedWhenLeft, false, 'the room already says why');
    assert.equal(carol?.role, 'listener');
    assert.equal(room.listenerCount, 101);
    assert.equal(room.listenersListed, false);
    assert.deepEqual(ids(room), ['p_bob', 'p_dan', 'p_host'], 'speakers, hosts and raised hands stay');
    assert.equal(room.participants.get('p_bob')?.audioTrack, bobTrack as unknown as MediaStreamTrack);

    ws.receive(listeners(102, false));
    ws.receive(listeners(90, true)); // not in the protocol: once large, large for the session
    assert.deepEqual(log.slice(2), ['listeners 102 unlisted', 'listeners 90 unlisted']);
    assert.equal(room.listenersListed, false);
    assert.deepEqual(ids(room), ['p_bob', 'p_dan', 'p_host']);
  });

  test("listeners' joins are ignored; speakers and raised hands join as before", async () => {
    const { room, ws } = await audienceRoom();
    ws.receive(listeners(101, false));
    const log = record(room);

    ws.receive(joined(11, participant('p_erin', 'erin', 'listener')));
    ws.receive(joined(12, participant('p_fay', 'fay', 'speaker')));
    ws.receive(joined(13, participant('p_gus', 'gus', 'listener', { handRaised: true })));
    ws.receive(left(14, 'p_erin')); // never listed: nothing to say

    assert.deepEqual(log, ['joined p_fay', 'joined p_gus']);
    assert.deepEqual(ids(room), ['p_bob', 'p_dan', 'p_fay', 'p_gus', 'p_host']);
  });

  test('a listener we did not list who raises its hand is listed, and its leave removes it', async () => {
    const { room, ws } = await audienceRoom();
    ws.receive(listeners(101, false));
    const log = record(room);

    ws.receive(updated(11, { ...CAROL, muted: true }, 'mute')); // still unlisted: nothing to say
    ws.receive(updated(12, { ...CAROL, muted: true, handRaised: true }, 'hand'));
    const carol = room.participants.get('p_carol');
    assert.equal(carol?.handRaised, true);
    assert.equal(carol?.muted, true);
    ws.receive(left(13, 'p_carol', 'disconnected'));

    assert.deepEqual(log, ['joined p_carol', 'updated p_carol hand', 'left p_carol disconnected']);
    assert.deepEqual(ids(room), ['p_bob', 'p_dan', 'p_host']);
  });

  test('a lowered hand unlists the listener; a promotion lists one, a demotion unlists it', async () => {
    const { room, ws } = await audienceRoom();
    ws.receive(listeners(101, false));
    const dan = room.participants.get('p_dan');
    const log = record(room);

    ws.receive(updated(11, { ...DAN, handRaised: false }, 'hand'));
    assert.equal(dan?.handRaised, false, 'updated before it leaves the list');
    assert.equal(room.participants.has('p_dan'), false);

    ws.receive(updated(12, participant('p_erin', 'erin', 'speaker'), 'role')); // promoted from the audience
    ws.receive(updated(13, participant('p_bob', 'bob', 'listener'), 'role')); // demoted

    assert.deepEqual(log, [
      'updated p_dan hand', 'left p_dan unlisted',
      'joined p_erin', 'updated p_erin role',
      'updated p_bob role', 'left p_bob unlisted',
    ]);
    assert.deepEqual(ids(room), ['p_erin', 'p_host']);
  });

  test('a demoted speaker whose audio arrived is unsubscribed as it leaves the list', async () => {
    const { room, ws } = await audienceRoom();
    ws.receive({ type: 'offer', from: 'sfu', target: 'subscriber', sdp: 'speakers: bob' });
    await ws.nextSent('answer');
    const subscriber = await waitFor('the subscriber connection', () => FakePeerConnection.created[0]);
    subscriber.remoteTrack(new FakeTrack('audio'), ['p_bob']);
    ws.receive(listeners(101, false));
    const bob = room.participants.get('p_bob');
    const log = record(room);

    ws.receive(updated(11, participant('p_bob', 'bob', 'listener'), 'role'));

    assert.deepEqual(log, ['updated p_bob role', 'unsubscribed p_bob', 'left p_bob unlisted']);
    assert.equal(bob?.audioTrack, undefined);
  });
});

describe('large audience and reconnecting', () => {
  test('a resumed session stays unlisted; replayed listener joins are ignored', async () => {
    const { room, server, ws } = await audienceRoom();
    ws.receive(listeners(101, false));
    const log = record(room);

    ws.drop(1006);
    const next = await server.socket(1);
    serve(next);
    next.receive(resumedFrame('p_me', 10, { mode: 'broadcast', participant: participant('p_me', 'me', 'listener') }));
    await waitFor('resumed', () => log.includes('reconnected resumed'));
    assert.equal(room.listenersListed, false);
    assert.equal(room.listenerCount, 101);
    next.receive(listeners(103, false));
    next.receive(joined(11, participant('p_erin', 'erin', 'listener')));
    next.receive(joined(12, participant('p_fay', 'fay', 'speaker')));

    assert.deepEqual(log, ['reconnected resumed', 'listeners 103 unlisted', 'joined p_fay']);
    assert.deepEqual(ids(room), ['p_bob', 'p_dan', 'p_fay', 'p_host']);
  });

  test('a rejoin starts listed again until the next count; our earlier session is never listed', async () => {
    const { room, server, ws } = await audienceRoom();
    ws.receive(listeners(101, false));
    const log = record(room);

    ws.drop(1006);
    const next = await server.socket(1);
    serve(next);
    next.receive({ type: 'error', code: 'resume-failed', message: 'session s_p_me ended 31 s ago' });
    next.receive(joinedFrame('p_me2', [HOST, BOB, CAROL], {
      mode: 'broadcast', participant: participant('p_me2', 'me', 'listener'), seq: 40,
    }));
    await waitFor('rejoined', () => log.includes('reconnected rejoined'));

    assert.equal(room.listenersListed, true, 'listed until the server says otherwise');
    assert.equal(room.listenerCount, 101, 'the last count until the next');
    assert.deepEqual(log, ['left p_dan unknown', 'joined p_carol', 'reconnected rejoined']);
    assert.deepEqual(ids(room), ['p_bob', 'p_carol', 'p_host']);

    next.receive(listeners(99, false));
    next.receive(updated(41, participant('p_me', 'me', 'listener', { handRaised: true }), 'hand')); // our ghost
    await sleep(10);
    assert.deepEqual(log.slice(3), ['left p_carol unlisted', 'listeners 99 unlisted']);
    assert.deepEqual(ids(room), ['p_bob', 'p_host']);
  });
});
