#!/usr/bin/env node
// Browser test of the JavaScript SDK (@bifrost/client, served by the server at /sdk/):
//   1. three pages join one room through the SDK and every pair hears the others;
//   2. chat reaches every page, in the same order;
//   3. a page whose websocket the server drops resumes its session by itself (same participant,
//      the others see no leave) and its call flows again;
//   4. an expired token is refused with a typed `unauthorized` error and is not retried.
//
//   node sdk-room.mjs <baseUrl> <artifactDir> <expiredToken>
//
// The pages get their tokens from /dev/token (the test server runs with its development key).
// To have a connection dropped server-side, the harness prints {"kill":"<participantId>"} on
// stdout and waits for a line "killed" on stdin. The last stdout line is the result:
//   {"ok":true|false, "checks":{...}, "error":null|"..."}
// Bounded by a 100 s deadline; ICE stays on 127.0.0.1 (the SDK's candidate filter).

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { devToken, launch, openSdkPage, sleep, testDriver, waitFor, withTimeout } from './chromium.mjs';

const DEADLINE_MS = 100_000;
const [baseArg, artifactArg, expiredToken] = process.argv.slice(2);
const baseUrl = (baseArg || '').replace(/\/+$/, '');
const result = { ok: false, checks: {}, error: null };
const driver = testDriver();

function stderr(line) {
  process.stderr.write(line + '\n');
}

async function token(room, identity) {
  return devToken(baseUrl, room, identity, { role: 'speaker' });
}

/** Joins through the SDK, publishes the fake microphone, and records the room's events in the page. */
async function join(page, roomToken) {
  return page.evaluate(async ({ base, roomToken }) => {
    window.events = [];
    const record = (name) => (...args) => window.events.push({
      name,
      args: args.map((a) => (a && typeof a === 'object' ? { id: a.id, code: a.code, reason: a.reason, text: a.text, seq: a.seq, from: a.from } : a)),
    });
    const room = await window.Bifrost.connect(base, roomToken, {
      iceServers: [],
      iceCandidateFilter: (c) => / 127\.0\.0\.1 /.test(c.candidate || ''),
    });
    for (const name of ['participantJoined', 'participantLeft', 'chat', 'connectionStateChanged',
      'reconnecting', 'reconnected', 'disconnected', 'error']) {
      room.on(name, record(name));
    }
    window.room = room;
    await room.publishMicrophone();
    return room.localParticipant.id;
  }, { base: baseUrl, roomToken });
}

/** packetsReceived per remote participant id, as the SDK reports it. */
function inbound(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const [id, p] of window.room.participants) {
      out[id] = (await p.stats()).packetsReceived;
    }
    return out;
  });
}

/** Every page hears every other page, and keeps hearing it: packets > 0 and growing. */
async function everyoneHearsEveryone(pages, what) {
  let last = null;
  try {
    await waitFor(`${what}: audio on every page from every other`, async () => {
      const counts = await Promise.all(pages.map(inbound));
      last = counts;
      return counts.every((c) => Object.keys(c).length === pages.length - 1 && Object.values(c).every((n) => n > 0));
    }, 30_000);
  } catch (e) {
    const errors = await Promise.all(pages.map((p) => p.evaluate(() =>
      window.events.filter((ev) => ev.name === 'error').map((ev) => ev.args[0]))));
    const peers = await Promise.all(pages.map((p) => p.evaluate(() => {
      const mesh = window.room && window.room.mesh; // internal, for diagnostics only
      if (!mesh || !mesh.peers) return null;
      return [...mesh.peers].map(([id, peer]) => `${id}:${peer.pc.connectionState}/${peer.pc.signalingState}/${peer.pc.iceConnectionState}`
        + ` local=${peer.pc.localDescription ? peer.pc.localDescription.type : '-'} remote=${peer.pc.remoteDescription ? peer.pc.remoteDescription.type : '-'}`
        + ` making=${peer.makingOffer} ignore=${peer.ignoreOffer} closed=${peer.closed} transceivers=${peer.pc.getTransceivers().map((t) => t.direction + '/' + t.currentDirection).join(',')}`);
    })));
    throw new Error(`${e.message}; packets last seen per page: ${JSON.stringify(last)}; `
      + `errors per page: ${JSON.stringify(errors)}; peers per page: ${JSON.stringify(peers)}`);
  }
  const first = await Promise.all(pages.map(inbound));
  await sleep(2_000);
  const second = await Promise.all(pages.map(inbound));
  const flows = first.map((c, i) => Object.fromEntries(Object.entries(c).map(([id, n]) => [id, [n, second[i][id]]])));
  result.checks[what] = flows;
  for (const [i, c] of flows.entries()) {
    for (const [id, [a, b]] of Object.entries(c)) {
      if (!(b > a)) throw new Error(`${what}: page ${i} stopped hearing ${id} (${a} -> ${b} packets)`);
    }
  }
  stderr(`${what}: every pair hears each other ${JSON.stringify(flows)}`);
}

async function ask(line) {
  await driver.ask(line, 'killed', 10_000);
}

async function run(context) {
  const room = `sdk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const pages = [];
  const ids = [];
  for (const label of ['a', 'b', 'c']) {
    const page = await openSdkPage(context, baseUrl, label, stderr);
    pages.push(page);
    ids.push(await join(page, await token(room, `user-${label}`)));
  }
  stderr(`joined ${room}: ${ids.join(', ')}`);

  // 1. every pair hears each other
  await everyoneHearsEveryone(pages, 'call');

  // 2. chat, in the same order everywhere
  const texts = ['first from a', 'second from b', 'third from c'];
  for (const [i, text] of texts.entries()) {
    await pages[i].evaluate((t) => window.room.sendChat(t), text);
  }
  const chats = await waitFor('three chats on every page', async () => {
    const seen = await Promise.all(pages.map((p) => p.evaluate(() =>
      window.events.filter((e) => e.name === 'chat').map((e) => e.args[0]))));
    return seen.every((list) => list.length >= 3) ? seen : null;
  });
  for (const [i, list] of chats.entries()) {
    const got = list.map((m) => m.text);
    if (JSON.stringify(got) !== JSON.stringify(texts)) throw new Error(`page ${i} got chats ${JSON.stringify(got)}`);
    if (!list.every((m, k) => k === 0 || m.seq > list[k - 1].seq)) throw new Error(`page ${i} chats out of seq order`);
  }
  result.checks.chat = chats.map((list) => list.map((m) => `${m.seq}:${m.text}`));

  // 3. the server drops page c's websocket; it reconnects by itself and the call flows again
  await ask({ kill: ids[2] });
  await waitFor('page c reconnected', () => pages[2].evaluate(() =>
    window.events.some((e) => e.name === 'reconnecting') && window.events.some((e) => e.name === 'reconnected')), 30_000);
  const c = await pages[2].evaluate(() => ({
    id: window.room.localParticipant.id,
    state: window.room.connectionState,
    how: window.events.find((e) => e.name === 'reconnected').args[0],
  }));
  result.checks.reconnect = c;
  if (c.state !== 'connected') throw new Error(`page c is ${c.state} after reconnecting`);
  // The session was resumed: same participant, and the others never saw it leave.
  if (c.how !== 'resumed' || c.id !== ids[2]) throw new Error(`page c was not resumed: ${JSON.stringify(c)}`);
  for (const page of pages.slice(0, 2)) {
    const sawLeave = await page.evaluate((id) => window.events.some((e) => e.name === 'participantLeft' && e.args[0]?.id === id), ids[2]);
    if (sawLeave) throw new Error('a page saw page c leave although its session was resumed');
  }
  await everyoneHearsEveryone(pages, 'call after reconnect');

  // 4. an expired token: a typed error, one attempt, no retry loop
  const refused = await pages[0].evaluate(async ({ base, expired }) => {
    let sockets = 0;
    try {
      await window.Bifrost.connect(base, expired, {
        webSocketFactory: (url) => { sockets += 1; return new WebSocket(url); },
      });
      return { connected: true };
    } catch (e) {
      await new Promise((r) => setTimeout(r, 3000)); // time for a retry loop to show itself
      return { name: e && e.constructor && e.constructor.name, code: e.code, reason: e.reason, sockets };
    }
  }, { base: baseUrl, expired: expiredToken });
  result.checks.expired = refused;
  if (refused.code !== 'unauthorized' || refused.reason !== 'expired' || refused.sockets !== 1) {
    throw new Error(`expired token: ${JSON.stringify(refused)}`);
  }
  await writeFile(path.join(artifactArg, 'events.json'), JSON.stringify(
    await Promise.all(pages.map((p) => p.evaluate(() => window.events))), null, 2));
  result.ok = true;
}

async function main() {
  if (!baseUrl || !artifactArg || !expiredToken) {
    throw new Error('usage: node sdk-room.mjs <baseUrl> <artifactDir> <expiredToken>');
  }
  await mkdir(artifactArg, { recursive: true });
  const browser = await launch();
  try {
    await withTimeout(run(browser.context), DEADLINE_MS, 'the SDK room test');
  } finally {
    await browser.close(stderr);
  }
}

driver.finish(main, result);
