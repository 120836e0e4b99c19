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
import {
  devToken, everyPageHears, joinBroadcast, launch, openSdkPage, testDriver, waitFor, withTimeout,
} from './chromium.mjs';

const DEADLINE_MS = 150_000;
const LISTENERS = 5;
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

function hears(pages, count, what, ms) {
  return everyPageHears(pages, count, what, { checks: result.checks, log: stderr, ms });
}

async function ask(line) {
  await driver.ask(line, 'killed', 20_000);
}

async function run(context) {
  const room = `radio-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const hostPage = await openSdkPage(context, baseUrl, 'host', stderr);
  const host = await joinBroadcast(hostPage, baseUrl, await token(room, 'host', 'host'));
  if (host.mode !== 'broadcast') throw new Error(`the room is ${host.mode}, not broadcast`);
  const listenerPages = [];
  const listeners = [];
  for (let i = 0; i < LISTENERS; i++) {
    const page = await openSdkPage(context, baseUrl, `listener-${i}`, stderr);
    listenerPages.push(page);
    listeners.push(await joinBroadcast(page, baseUrl, await token(room, `listener-${i}`, 'listener')));
  }
  stderr(`joined ${room}: host ${host.id}, listeners ${listeners.map((l) => l.id).join(', ')}`);

  // 1. every listener hears the host, through the origin or an edge
  await hears(listenerPages, 1, 'listeners hear the host');

  // 2. a promoted listener publishes, and the other listeners hear it beside the host
  const promoted = listenerPages[0];
  const others = listenerPages.slice(1);
  await hostPage.evaluate((id) => window.room.promote(id), listeners[0].id);
  await waitFor('the promoted listener publishes', () => promoted.evaluate(async () =>
    (await window.room.audioStats()).packetsSent > 0), 20_000);
  await hears(others, 2, 'listeners hear the host and the promoted speaker');
  await hears([hostPage], 1, 'the host hears the promoted speaker');

  // 3. demoted, it stops: the others are back to the host alone
  await hostPage.evaluate((id) => window.room.demote(id), listeners[0].id);
  await hears(others, 1, 'after the demotion only the host is heard');

  // 4. the edge Janus dies: its listeners are moved and hear the host again
  await ask({ kill: 'edge', room });
  await hears(listenerPages, 1, 'after the edge died every listener hears the host again', 60_000);

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
