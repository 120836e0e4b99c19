// What the browser harnesses share: Debian's Chromium started the one way that works on a
// machine with no sound card and a closed network, and small async helpers.

import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Fake microphone, no permission prompts, loopback ICE, and none of Chromium's background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless Chromium with a fresh profile; `close()` also removes the profile.
 *
 * @param extraArgs more Chromium flags, e.g. to treat a test server's plain-http origin as
 *     secure so that pages may open the (fake) microphone
 */
export async function launch(extraArgs = []) {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'bifrost-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1100, height: 860 },
    timeout: 30_000,
  });
  return {
    context,
    async close(log = () => {}) {
      try {
        await withTimeout(context.close(), 10_000, 'closing chromium');
      } catch (e) {
        log(`could not close chromium cleanly: ${e.message}`);
      }
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 }).catch((e) =>
        log(`could not remove ${userDataDir}: ${e.message}`));
    },
  };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Playwright errors carry ANSI colours and a multi-line call log: keep one readable line. */
export function oneLine(text) {
  const plain = String(text).replace(/\u001b\[[0-9;]*m/g, '');
  const cut = plain.split(/\nCall log:/)[0];
  const flat = cut.replace(/\s+/g, ' ').trim();
  return flat.length > 600 ? flat.slice(0, 600) + '…' : flat;
}

/** Polls `check` until it returns a truthy value, or throws after `ms`. */
export async function waitFor(what, check, ms = 20_000, every = 200) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** A token from the test server's /dev/token (it runs with its development key); `params` adds role, mode… */
export async function devToken(baseUrl, room, identity, params = {}) {
  const query = new URLSearchParams({ room, identity, ...params });
  const response = await fetch(`${baseUrl}/dev/token?${query}`);
  if (!response.ok) throw new Error(`GET /dev/token answered ${response.status}`);
  return (await response.json()).token;
}

/** Opens a page on the server's origin with the SDK (served at /sdk/) loaded as window.Bifrost. */
export async function openSdkPage(context, baseUrl, label, log) {
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') log(`[page ${label}] console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => log(`[page ${label}] uncaught: ${err && err.message ? err.message : err}`));
  await page.goto(`${baseUrl}/healthz`, { waitUntil: 'load', timeout: 15_000 });
  await page.addScriptTag({ type: 'module', content: "import * as sdk from '/sdk/index.js'; window.Bifrost = sdk;" });
  await page.waitForFunction(() => window.Bifrost && window.Bifrost.connect, null, { timeout: 10_000 });
  return page;
}

/**
 * Joins a broadcast room through the SDK on `baseUrl` (a host publishes its microphone by itself)
 * and records the room's events in the page as `window.events`.
 */
export async function joinBroadcast(page, baseUrl, roomToken) {
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
function receivedAudio(page) {
  return page.evaluate(async () => {
    const out = {};
    (await window.room.audioStats()).received.forEach((s, i) => {
      out[s.participantId || `#${i}`] = [s.packetsReceived || 0, s.totalAudioEnergy || 0];
    });
    return out;
  });
}

/** Two samples this far apart tell a stream that flows from one that stopped. */
const FLOW_SAMPLE_MS = 2_000;

/** The received streams that carry sound that keeps coming, on each page. */
async function flowingStreams(pages) {
  const first = await Promise.all(pages.map(receivedAudio));
  await sleep(FLOW_SAMPLE_MS);
  const second = await Promise.all(pages.map(receivedAudio));
  return second.map((streams, i) => Object.entries(streams)
    .filter(([id, [packets, energy]]) => first[i][id] && packets > first[i][id][0] && energy > 0)
    .map(([id, [packets, energy]]) => ({ id, packets, energy: Number(energy.toFixed(4)) })));
}

/**
 * Waits until every page (joined with joinBroadcast) has `count` streams that flow with sound,
 * and records them in `checks[what]`; on failure the error lists what flowed and each page's errors.
 */
export async function everyPageHears(pages, count, what, { checks, log = () => {}, ms = 40_000 }) {
  let last = null;
  try {
    const flows = await waitFor(what, async () => {
      last = await flowingStreams(pages);
      return last.every((streams) => streams.length === count) ? last : null;
    }, ms, 500);
    checks[what] = flows;
    log(`${what}: ${JSON.stringify(flows.map((s) => s.length))}`);
    return flows;
  } catch (e) {
    const errors = await Promise.all(pages.map((p) => p.evaluate(() =>
      window.events.filter((ev) => ev.name === 'error').map((ev) => ev.args[0]))));
    throw new Error(`${e.message}; flowing streams per page: ${JSON.stringify(last)}; errors per page: ${JSON.stringify(errors)}`);
  }
}

/**
 * The conversation with the Java test that started the script: a request is a line of JSON on
 * stdout, answered by one line on stdin; the result is the last stdout line, and the exit code.
 */
export function testDriver() {
  const stdin = readline.createInterface({ input: process.stdin });
  const lines = stdin[Symbol.asyncIterator]();
  return {
    /** Asks the test for something and waits for its answer, which must be `expected`. */
    async ask(request, expected, ms) {
      process.stdout.write(JSON.stringify(request) + '\n');
      const answer = await withTimeout(lines.next(), ms, `an answer to ${JSON.stringify(request)}`);
      if (answer.done || answer.value.trim() !== expected) throw new Error(`unexpected answer ${JSON.stringify(answer.value)}`);
    },
    /** Runs `main`, then prints `result` (its error, if main threw) and exits. */
    finish(main, result) {
      main()
        .catch((e) => {
          result.ok = false;
          result.error = oneLine(e && e.message ? e.message : String(e));
        })
        .finally(() => {
          process.stdout.write(JSON.stringify(result) + '\n');
          stdin.close();
          process.exit(result.ok ? 0 : 1);
        });
    },
  };
}
