#!/usr/bin/env node
// Browser test of a broadcast room across two Bifrost nodes of one cluster, each with its own
// bridge to the same Janus, run inside the test's network namespace:
//   1. a host joined through node A publishes its (fake) microphone; a listener on A and three
//      listeners on B receive it from Janus;
//   2. the host promotes a listener on B, which starts publishing through B, and the other
//      listeners (on A and on B) and the host hear it too;
//   3. the host demotes it again, and they stop hearing it while the host still flows;
//   4. the host promotes it again, then node A stops: the listeners on B go on hearing it.
//
//   node broadcast-cluster.mjs <baseUrlA> <baseUrlB> <artifactDir>
//
// Every token comes from node A's /dev/token: both nodes run with the same development key, so
// node B accepts them. The harness asks the test for things with a line of JSON on stdout and
// waits for its one-line answer on stdin: {"placed":"<room>"} once everyone hears the host (the
// test looks at each node's bridge; "checked"), {"stop":"A","room":"<room>"} to stop node A
// ("stopped"). The last stdout line is the result: {"ok":true|false, "checks":{...}, "error":null|"..."}.
// Bounded by a deadline; every page runs in the namespace, so ICE only sees its addresses.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  devToken, everyPageHears, joinBroadcast, launch, openSdkPage, sleep, testDriver, waitFor, withTimeout,
} from './chromium.mjs';

const DEADLINE_MS = 100_000;
const LISTENERS_ON_B = 3;
const [baseArgA, baseArgB, artifactArg] = process.argv.slice(2);
const nodeA = (baseArgA || '').replace(/\/+$/, '');
const nodeB = (baseArgB || '').replace(/\/+$/, '');
const result = { ok: false, checks: {}, error: null };
const driver = testDriver();

function stderr(line) {
  process.stderr.write(line + '\n');
}

/** Opens a page on `base` and joins the room there with a token node A issued. */
async function joinOn(context, base, room, identity, role) {
  const page = await openSdkPage(context, base, identity, stderr);
  const roomToken = await devToken(nodeA, room, identity, { role, mode: 'broadcast' });
  const joined = await joinBroadcast(page, base, roomToken);
  if (joined.mode !== 'broadcast') throw new Error(`${identity} is in a ${joined.mode} room, not broadcast`);
  return { page, id: joined.id, identity };
}

/** Every page hears `count` streams that flow with sound (Janus's streams do not say whose they are). */
function hear(who, count, what) {
  return everyPageHears(who.map((p) => p.page), count, what, { checks: result.checks, log: stderr });
}

async function run(context) {
  const room = `radio-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const host = await joinOn(context, nodeA, room, 'host-a', 'host');
  const listenerA = await joinOn(context, nodeA, room, 'listener-a', 'listener');
  const listenersB = [];
  for (let i = 0; i < LISTENERS_ON_B; i++) {
    listenersB.push(await joinOn(context, nodeB, room, `listener-b${i}`, 'listener'));
  }
  const listeners = [listenerA, ...listenersB];
  stderr(`joined ${room}: host ${host.id} on A, ${listeners.map((l) => `${l.identity} ${l.id}`).join(', ')}`);

  // 1. listeners on both nodes hear the host, who publishes through A
  await hear(listeners, 1, 'listeners on A and B hear the host');
  await driver.ask({ placed: room }, 'checked', 20_000);

  // 2. a listener on B, promoted by the host on A, publishes through B; everyone else hears it
  const [promoted, ...othersOnB] = listenersB;
  const others = [listenerA, ...othersOnB];
  await host.page.evaluate((id) => window.room.promote(id), promoted.id);
  await waitFor('the promoted listener publishes', () => promoted.page.evaluate(async () =>
    (await window.room.audioStats()).packetsSent > 0), 20_000);
  await hear(others, 2, 'listeners on A and B hear the host and the promoted speaker');
  await hear([host], 1, 'the host on A hears the promoted speaker on B');

  // 3. demoted, it stops: the others are back to the host alone
  await host.page.evaluate((id) => window.room.demote(id), promoted.id);
  await waitFor('the demoted listener to stop sending while the host goes on', async () => {
    const sent = (who) => who.page.evaluate(async () => (await window.room.audioStats()).packetsSent);
    const before = await Promise.all([host, promoted].map(sent));
    await sleep(1_000);
    const after = await Promise.all([host, promoted].map(sent));
    return after[0] > before[0] && after[1] === before[1];
  }, 20_000);
  await hear(others, 1, 'after the demotion listeners on A and B hear only the host');

  // 4. promoted again, it speaks through B; node A, where the room began, stops: its host and
  //    listener go, and the listeners on B go on hearing the speaker on B
  await host.page.evaluate((id) => window.room.promote(id), promoted.id);
  await hear(othersOnB, 2, 'listeners on B hear the host and the speaker on B again');
  const eventsOnA = await Promise.all([host, listenerA].map((p) => p.page.evaluate(() => window.events)));
  await driver.ask({ stop: 'A', room }, 'stopped', 30_000);
  // Their clients would resume through another node behind a load balancer; here they would only retry A.
  await Promise.all([host, listenerA].map((p) => p.page.close()));
  await hear(othersOnB, 1, 'after node A stopped listeners on B hear the speaker on B');

  await writeFile(path.join(artifactArg, 'events.json'), JSON.stringify([...eventsOnA,
    ...await Promise.all(listenersB.map((p) => p.page.evaluate(() => window.events)))], null, 2));
  result.ok = true;
}

async function main() {
  if (!nodeA || !nodeB || !artifactArg) {
    throw new Error('usage: node broadcast-cluster.mjs <baseUrlA> <baseUrlB> <artifactDir>');
  }
  await mkdir(artifactArg, { recursive: true });
  // The test servers are on plain-http namespace addresses: let pages open the fake microphone there.
  const origins = [nodeA, nodeB].map((u) => new URL(u).origin).join(',');
  const browser = await launch([`--unsafely-treat-insecure-origin-as-secure=${origins}`]);
  try {
    await withTimeout(run(browser.context), DEADLINE_MS, 'the cluster broadcast test');
  } finally {
    await browser.close(stderr);
  }
}

driver.finish(main, result);
