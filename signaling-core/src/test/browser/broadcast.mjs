#!/usr/bin/env node
// Browser test of a broadcast room through Janus, run inside the test's network namespace:
//   1. a host publishes its (fake) microphone through the SDK; five listeners receive it from
//      Janus (some from the origin node, some from an edge fed by the origin);
//   2. the host promotes a listener, which starts publishing, and the other listeners hear it too;
//   3. the host demotes it again, and they stop hearing it while the host still flows;
//   4. the test kills the edge Janus: its listeners are moved and hear the host again.
//
//   node broadcast.mjs <baseUrl> <artifactDir>
//
// Tokens come from /dev/token (the test server runs with its development key). To have the
// edge killed, the harness prints {"kill":"edge","room":"<room>"} on stdout and waits for a line "killed" on
// stdin. The last stdout line is the result: {"ok":true|false, "checks":{...}, "error":null|"..."}.
// Bounded by a deadline; every page runs in the namespace, so ICE only sees its addresses.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { devToken, launch, openSdkPage, sleep, testDriver, waitFor, withTimeout } from './chromium.mjs';

const DEADLINE_MS = 150_000;
const LISTENERS = 5;
/** Two samples this far apart tell a stream that flows from one that stopped. */
const FLOW_SAMPLE_MS = 2_000;
const [baseArg, artifactArg] = process.argv.slice(2);
const baseUrl = (baseArg || '').replace(/\/+$/, '');
const result = { ok: false, checks: {}, error: null };
const driver = testDriver();

function stderr(line) {
  process.stderr.write(line + '\n');
}

async function token(room, identity, role) {
  return devToken(baseUrl, room, identity, { role, mode: 'broadcast' });
}

/** Joins through the SDK (a host publishes its microphone by itself) and records the room's events in the page. */
async function join(page, roomToken) {
  return page.evaluate(async ({ base, roomToken }) => {
    window.events = [];
    const room = await window.Bifrost.connect(base, roomToken, { iceServers: [] });
    for (const name of ['participantJoined', 'participantLeft', 'participantUpdated', 'reconnecting', 'reconnected',
      'disconnected', 'error']) {
      room.on(name, (...args) => window.events.push({
        name,
        args: args.map((a) => (a && typeof a === 'object' ? { id: a.id, code: a.code, role: a.role, message: a.message } : a)),
      }));
    }
    window.room = room;
    return { id: room.localParticipant.id, mode: room.mode };
  }, { base: baseUrl, roomToken });
}

/** Received audio streams, by sender where the SDK knows it (else by position): [packetsReceived, totalAudioEnergy]. */
function received(page) {
  return page.evaluate(async () => {
    const out = {};
    (await window.room.audioStats()).received.forEach((s, i) => {
      out[s.participantId || `#${i}`] = [s.packetsReceived || 0, s.totalAudioEnergy || 0];
    });
    return out;
  });
}

/** How many received streams carry sound that keeps coming, on each page. */
async function flowingStreams(pages) {
  const first = await Promise.all(pages.map(received));
  await sleep(FLOW_SAMPLE_MS);
  const second = await Promise.all(pages.map(received));
  return second.map((streams, i) => Object.entries(streams)
    .filter(([id, [packets, energy]]) => first[i][id] && packets > first[i][id][0] && energy > 0)
    .map(([id, [packets, energy]]) => ({ id, packets, energy: Number(energy.toFixed(4)) })));
}

/** Waits until every page has `count` streams that flow with sound; records what it saw. */
async function everyPageHears(pages, count, what, ms = 40_000) {
  let last = null;
  try {
    const flows = await waitFor(what, async () => {
      last = await flowingStreams(pages);
      return last.every((streams) => streams.length === count) ? last : null;
    }, ms, 500);
    result.checks[what] = flows;
    stderr(`${what}: ${JSON.stringify(flows.map((s) => s.length))}`);
  } catch (e) {
    const errors = await Promise.all(pages.map((p) => p.evaluate(() =>
      window.events.filter((ev) => ev.name === 'error').map((ev) => ev.args[0]))));
    throw new Error(`${e.message}; flowing streams per page: ${JSON.stringify(last)}; errors per page: ${JSON.stringify(errors)}`);
  }
}

async function ask(line) {
  await driver.ask(line, 'killed', 20_000);
}

async function run(context) {
  const room = `radio-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const hostPage = await openSdkPage(context, baseUrl, 'host', stderr);
  const host = await join(hostPage, await token(room, 'host', 'host'));
  if (host.mode !== 'broadcast') throw new Error(`the room is ${host.mode}, not broadcast`);
  const listenerPages = [];
  const listeners = [];
  for (let i = 0; i < LISTENERS; i++) {
    const page = await openSdkPage(context, baseUrl, `listener-${i}`, stderr);
    listenerPages.push(page);
    listeners.push(await join(page, await token(room, `listener-${i}`, 'listener')));
  }
  stderr(`joined ${room}: host ${host.id}, listeners ${listeners.map((l) => l.id).join(', ')}`);

  // 1. every listener hears the host, through the origin or an edge
  await everyPageHears(listenerPages, 1, 'listeners hear the host');

  // 2. a promoted listener publishes, and the other listeners hear it beside the host
  const promoted = listenerPages[0];
  const others = listenerPages.slice(1);
  await hostPage.evaluate((id) => window.room.promote(id), listeners[0].id);
  await waitFor('the promoted listener publishes', () => promoted.evaluate(async () =>
    (await window.room.audioStats()).packetsSent > 0), 20_000);
  await everyPageHears(others, 2, 'listeners hear the host and the promoted speaker');
  await everyPageHears([hostPage], 1, 'the host hears the promoted speaker');

  // 3. demoted, it stops: the others are back to the host alone
  await hostPage.evaluate((id) => window.room.demote(id), listeners[0].id);
  await everyPageHears(others, 1, 'after the demotion only the host is heard');

  // 4. the edge Janus dies: its listeners are moved and hear the host again
  await ask({ kill: 'edge', room });
  await everyPageHears(listenerPages, 1, 'after the edge died every listener hears the host again', 60_000);

  await writeFile(path.join(artifactArg, 'events.json'), JSON.stringify(
    await Promise.all([hostPage, ...listenerPages].map((p) => p.evaluate(() => window.events))), null, 2));
  result.ok = true;
}

async function main() {
  if (!baseUrl || !artifactArg) throw new Error('usage: node broadcast.mjs <baseUrl> <artifactDir>');
  await mkdir(artifactArg, { recursive: true });
  // The test server is on a plain-http namespace address: let pages open the fake microphone there.
  const browser = await launch([`--unsafely-treat-insecure-origin-as-secure=${new URL(baseUrl).origin}`]);
  try {
    await withTimeout(run(browser.context), DEADLINE_MS, 'the broadcast test');
  } finally {
    await browser.close(stderr);
  }
}

driver.finish(main, result);
