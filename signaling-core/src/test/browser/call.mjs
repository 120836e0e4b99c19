#!/usr/bin/env node
// Browser test of the Bifrost demo page: two headless Chromium tabs join one room with
// loopbackOnly=1 and must hold a real peer-to-peer audio call (fake microphone).
//
//   node call.mjs <baseUrl> <artifactDir>
//
// Prints one line of JSON on stdout:
//   {"ok":true|false, "a":{"first":N,"second":N}, "b":{"first":N,"second":N}, "error":null|"..."}
// where first/second are the inbound-rtp audio packetsReceived of each page, sampled ~3 s apart.
// Exits 0 only when ok. Screenshots go to artifactDir: a-joined.png, b-joined.png,
// a-audio.png, b-audio.png (and a-failed.png, b-failed.png when it fails). The pages' console
// errors are forwarded to stderr. Everything is bounded by a 60 s deadline.
//
// CHROMIUM_PATH overrides the browser binary (default: Debian's /usr/bin/chromium).

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { launch, oneLine, sleep, withTimeout } from './chromium.mjs';

const DEADLINE_MS = 60_000;
const SAMPLE_GAP_MS = 3_000;
const POLL_MS = 200;

const started = Date.now();
const [baseArg, artifactArg] = process.argv.slice(2);

const result = {
  ok: false,
  a: { first: null, second: null },
  b: { first: null, second: null },
  error: null,
};

let browser = null;
let pages = null; // {a, b}
let done = false;
let stage = 'starting';

function stderr(line) {
  process.stderr.write(line + '\n');
}

function remaining() {
  return DEADLINE_MS - (Date.now() - started);
}

async function pageState(page) {
  try {
    return await page.evaluate(() => (window.bifrostDemo ? window.bifrostDemo.state() : null));
  } catch {
    return null; // navigating, or the page is gone
  }
}

function describeErrors(label, st) {
  if (!st || !st.errors || st.errors.length === 0) return '';
  return ` ${label} errors: ` + st.errors.map((e) => `${e.source}/${e.code}: ${e.message}`).join('; ');
}

async function waitFor(what, check) {
  stage = what;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (done) throw new Error(`stopped while waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** The inbound audio of `page` coming from participant `fromId` (packets and bytes). */
async function inbound(page, fromId) {
  const list = await page.evaluate(() => window.bifrostDemo.inboundAudio());
  const entry = list.find((e) => e.peerId === fromId);
  return entry ? { packetsReceived: entry.packetsReceived, bytesReceived: entry.bytesReceived } : null;
}

async function run() {
  if (!baseArg || !artifactArg) {
    throw new Error('usage: node call.mjs <baseUrl> <artifactDir>');
  }
  const baseUrl = baseArg.replace(/\/+$/, '');
  const artifactDir = path.resolve(artifactArg);
  await mkdir(artifactDir, { recursive: true });

  stage = 'launching chromium';
  browser = await launch();
  const context = browser.context;

  const room = `call-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const a = context.pages()[0] || (await context.newPage());
  const b = await context.newPage();
  pages = { a, b };
  for (const [label, page] of [['A', a], ['B', b]]) {
    page.on('console', (msg) => {
      if (msg.type() === 'error') stderr(`[page ${label}] console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => stderr(`[page ${label}] uncaught: ${err && err.message ? err.message : err}`));
    page.on('crash', () => stderr(`[page ${label}] crashed`));
  }

  const url = (name) => `${baseUrl}/?room=${encodeURIComponent(room)}&name=${name}&loopbackOnly=1`;
  stage = 'loading the demo page';
  await Promise.all([
    a.goto(url('A'), { waitUntil: 'load', timeout: 15_000 }),
    b.goto(url('B'), { waitUntil: 'load', timeout: 15_000 }),
  ]);

  // Both joined, and each lists the other.
  const [sa, sb] = await waitFor('both pages joined and seeing each other', async () => {
    const [x, y] = await Promise.all([pageState(a), pageState(b)]);
    for (const [label, st] of [['A', x], ['B', y]]) {
      if (st && st.connection === 'closed') {
        throw new Error(`page ${label} is closed before the call started.${describeErrors(label, st)}`);
      }
    }
    if (!x || !y || x.connection !== 'joined' || y.connection !== 'joined') return null;
    if (!x.participants.includes(y.participantId) || !y.participants.includes(x.participantId)) return null;
    return [x, y];
  });
  stderr(`joined room ${room}: A=${sa.participantId} B=${sb.participantId} (${Date.now() - started} ms)`);
  await a.screenshot({ path: path.join(artifactDir, 'a-joined.png'), fullPage: true });
  await b.screenshot({ path: path.join(artifactDir, 'b-joined.png'), fullPage: true });

  // Wait for media to start flowing both ways, then sample twice, ~3 s apart.
  await waitFor('audio packets on both pages', async () => {
    const [x, y] = await Promise.all([inbound(a, sb.participantId), inbound(b, sa.participantId)]);
    return x && y && x.packetsReceived > 0 && y.packetsReceived > 0;
  });
  stage = 'sampling inbound audio';
  const [a1, b1] = await Promise.all([inbound(a, sb.participantId), inbound(b, sa.participantId)]);
  result.a.first = a1.packetsReceived;
  result.b.first = b1.packetsReceived;
  await sleep(SAMPLE_GAP_MS);
  const [a2, b2] = await Promise.all([inbound(a, sb.participantId), inbound(b, sa.participantId)]);
  result.a.second = a2 ? a2.packetsReceived : null;
  result.b.second = b2 ? b2.packetsReceived : null;
  stderr(`inbound audio: A ${a1.packetsReceived} -> ${result.a.second} packets, B ${b1.packetsReceived} -> ${result.b.second} packets`);

  stage = 'taking screenshots';
  await a.screenshot({ path: path.join(artifactDir, 'a-audio.png'), fullPage: true });
  await b.screenshot({ path: path.join(artifactDir, 'b-audio.png'), fullPage: true });

  const problems = [];
  for (const [label, s] of [['A', result.a], ['B', result.b]]) {
    if (!(s.first > 0)) problems.push(`page ${label} received no audio packets`);
    else if (!(s.second > s.first)) problems.push(`page ${label} audio packets did not grow (${s.first} -> ${s.second})`);
  }
  if (problems.length) throw new Error(problems.join('; '));
  result.ok = true;
}

async function failureScreenshots() {
  if (!pages || !artifactArg) return;
  const dir = path.resolve(artifactArg);
  await Promise.all([['a', pages.a], ['b', pages.b]].map(([label, page]) =>
    page.screenshot({ path: path.join(dir, `${label}-failed.png`), fullPage: true, timeout: 2_500 })
      .catch(() => { /* best effort */ })));
}

async function cleanup() {
  if (browser) {
    await browser.close(stderr);
  }
}

async function main() {
  let deadlineTimer;
  const deadline = new Promise((_, reject) => {
    deadlineTimer = setTimeout(
      () => reject(new Error(`deadline of ${DEADLINE_MS / 1000} s passed while ${stage}`)),
      remaining(),
    );
  });
  const running = run();
  running.catch(() => {}); // after a deadline, its late failure is not news
  try {
    await Promise.race([running, deadline]);
  } catch (e) {
    result.ok = false;
    result.error = oneLine(e && e.message ? e.message : String(e));
  } finally {
    done = true;
    clearTimeout(deadlineTimer);
  }
  if (!result.ok) {
    // Diagnostics, bounded to a few seconds: the page states on stderr, and screenshots.
    await withTimeout(diagnose(), 4_000, 'diagnostics').catch(() => {});
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  await cleanup();
  process.exit(result.ok ? 0 : 1);
}

async function diagnose() {
  if (!pages) return;
  const [x, y] = await Promise.all([pageState(pages.a), pageState(pages.b)]);
  if (x || y) stderr(`page states: A=${JSON.stringify(x)} B=${JSON.stringify(y)}`);
  await failureScreenshots();
}

main().catch((e) => {
  // Not expected: main handles its own failures. Still print the one line and exit 1.
  result.ok = false;
  result.error = `harness failure: ${e && e.message ? e.message : e}`;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(1);
});
