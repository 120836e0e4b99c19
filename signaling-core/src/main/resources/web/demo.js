/*
 * Bifrost demo page on the Bifrost JavaScript SDK (served at /sdk/), which owns signaling,
 * WebRTC negotiation, ICE, keepalive and reconnecting. This page gets a token, joins, publishes
 * the microphone and renders the room.
 *
 * Query parameters: room (default "demo") and role (default "speaker") for GET /dev/token;
 * name (default: random); token (a ready JWT instead of a dev token); loopbackOnly=1 (only
 * 127.0.0.1 ICE candidates and no STUN/TURN, for tests on one machine).
 *
 * For tests, window.bifrostDemo exposes:
 *   state()         {connection: 'connecting'|'joined'|'closed', participantId,
 *                    participants: [ids of the others], errors: [{source, code, message}]}
 *   inboundAudio()  Promise of [{peerId, packetsReceived, bytesReceived}]
 */
import { BifrostError, connect, loopbackCandidatesOnly } from '/sdk/index.js';

const params = new URLSearchParams(location.search);
const config = {
  room: params.get('room') || 'demo',
  name: params.get('name') || randomName(),
  role: params.get('role') || 'speaker',
  token: params.get('token') || '',
  loopbackOnly: ['1', 'true', 'yes', ''].includes(params.get('loopbackOnly')),
};

let room = null;            // the SDK's Room, once joined
let phase = 'connecting';   // what state() reports: 'connecting' | 'joined' | 'closed'
const errors = [];          // [{source, code, message}]
const names = new Map();    // participant id -> display name, kept after they leave (chat)
const departed = [];        // [{id, name, reason}], most recent first
const sinks = new Map();    // participant id -> {participant, audio}: the attached <audio>
const inbound = new Map();  // participant id -> {packetsReceived, bytesReceived, growing}

// ------------------------------------------------------------------------------ helpers

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

function randomName() {
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  return pick(['Happy', 'Curious', 'Brave', 'Calm', 'Sunny', 'Witty', 'Gentle', 'Lucky'])
    + ' ' + pick(['Otter', 'Fox', 'Panda', 'Owl', 'Koala', 'Puffin', 'Lynx', 'Heron']);
}

/** A unique identity for a dev token: "Happy Otter" -> "happy-otter-k3x9q". */
function makeIdentity(name) {
  const slug = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32);
  return (slug || 'guest') + '-' + Math.random().toString(36).slice(2, 7);
}

const display = (p) => p.name || p.identity || p.id;
const hue = (text) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0) % 360;
const clock = (ts) => new Date(ts || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const bytes = (n) => n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(2) + ' MiB';

function log(level, text) {
  const list = $('log');
  const item = el('li', level === 'info' ? '' : level);
  item.append(el('span', 't', clock()), text);
  list.append(item);
  while (list.children.length > 300) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

/** Records a failure for state().errors and logs it. `error`: a BifrostError, a DOMException… */
function recordError(source, error) {
  const entry = { source, code: error.code || error.name || 'error', message: error.message || String(error) };
  if (error.reason) entry.reason = error.reason;
  errors.push(entry);
  if (errors.length > 200) errors.shift();
  log('error', `${source}: ${entry.code}${error.reason ? ' / ' + error.reason : ''}: ${entry.message}`);
}

/** Shows the red notice; `parts` are strings, or {code: text} shown as code. */
function notice(...parts) {
  $('notice').replaceChildren(...parts.map((p) => (typeof p === 'string' ? p : el('code', null, p.code))));
  $('notice').hidden = false;
}

function setConnection(connection, text) {
  phase = connection;
  $('conn').className = 'pill pill-' + connection;
  $('conn-text').textContent = text;
  document.body.classList.toggle('is-closed', connection === 'closed');
}

/** What the buttons and the chat box allow in the room's current state. */
function setControls() {
  const state = room ? room.connectionState : 'disconnected';
  $('chat-input').disabled = $('chat-send').disabled = state !== 'connected';
  $('leave').disabled = state === 'disconnected';
  $('mute').disabled = state === 'disconnected' || !room.localAudioTrack;
  document.body.classList.toggle('is-reconnecting', state === 'reconnecting');
}

// ------------------------------------------------------------------------------ joining

async function main() {
  $('me').textContent = config.name;
  $('room-name').textContent = config.token ? '(from token)' : config.room;
  if (config.loopbackOnly) log('info', 'loopbackOnly: only 127.0.0.1 ICE candidates, no STUN/TURN');

  let token = config.token;
  if (!token) {
    setConnection('connecting', 'Getting a token…');
    try {
      token = await devToken();
    } catch (e) {
      setConnection('closed', 'No token');
      recordError('page', e);
      if (e.code === 'no-dev-key') {
        notice('This server hands out no development tokens (it runs without its development key). Add a join token to the address: ',
          { code: '?token=<JWT>' }, ' (for example one issued by your app backend or the token CLI).');
      } else {
        notice('Could not get a token: ' + e.message);
      }
      return;
    }
  }

  setConnection('connecting', 'Connecting…');
  try {
    room = await connect(location.origin, token, {
      iceServers: config.loopbackOnly ? [] : undefined,
      iceCandidateFilter: config.loopbackOnly ? loopbackCandidatesOnly : undefined,
    });
  } catch (e) {
    explainRefusal(e);
    return;
  }
  listen();
  setConnection('joined', 'Connected');
  const me = room.localParticipant;
  log('info', `joined room ${room.name} as ${me.id} (session ${room.sessionId}, ${room.participants.size} other(s))`);
  $('room-name').textContent = room.name;
  systemLine(`You joined ${room.name}.`);
  for (const p of room.participants.values()) remember(p);
  renderAll();
  setControls(); // its 'connected' came before connect() resolved, so no listener heard it

  if (me.role === 'listener') {
    $('mic').textContent = 'off — listeners only listen';
    log('info', 'you joined as a listener: the microphone stays off');
  } else {
    await publishMicrophone();
  }
}

async function devToken() {
  const query = new URLSearchParams({ room: config.room, identity: makeIdentity(config.name), name: config.name, role: config.role });
  const fail = (code, message) => Object.assign(new Error(message), { code });
  let res;
  try {
    res = await fetch('/dev/token?' + query, { cache: 'no-store' });
  } catch (e) {
    throw fail('unreachable', `the server is unreachable (${e.message})`);
  }
  if (res.status === 404) throw fail('no-dev-key', 'GET /dev/token answered 404: no development key on this server; pass ?token=');
  const body = await res.json().catch(() => null);
  if (!res.ok || typeof body?.token !== 'string') {
    throw fail('token', `GET /dev/token answered ${res.status}${body?.message ? ': ' + body.message : ''}`);
  }
  return body.token;
}

/** connect() failed: the SDK already asked /rtc/validate why, and says it in the error. */
function explainRefusal(e) {
  const error = e instanceof BifrostError ? e : new BifrostError('internal', e.message || String(e));
  recordError('connection', error);
  if (error.code === 'connection-lost' || error.code === 'timeout') {
    setConnection('closed', 'Failed');
    notice(`Could not join: ${error.message}. /rtc/validate gave no refusal: is the server reachable, and does a proxy let websockets through?`);
  } else {
    setConnection('closed', 'Refused');
    notice('The server refused to let you in: ', { code: error.code + (error.reason ? ' / ' + error.reason : '') }, ' — ' + error.message);
  }
  renderAll();
}

async function publishMicrophone() {
  $('mic').textContent = 'asking…';
  try {
    const track = await room.publishMicrophone();
    $('mic').textContent = micText(track);
    log('info', 'microphone on' + (track.label ? ': ' + track.label : ''));
  } catch (e) {
    recordError('microphone', e);
    $('mic').textContent = 'unavailable — listening only';
  }
  setControls();
}

// ------------------------------------------------------------------------------ room events

function listen() {
  room.on('participantJoined', (p) => {
    remember(p);
    log('info', `${display(p)} joined (${p.id}, ${p.role})`);
    systemLine(`${display(p)} joined.`);
    renderAll();
  });
  room.on('participantLeft', (p, reason) => {
    departed.unshift({ id: p.id, name: display(p), reason });
    departed.splice(5);
    dropAudio(p.id);
    log('info', `${display(p)} left (${reason})`);
    systemLine(`${display(p)} ${LEFT[reason] || `left (${reason})`}.`);
    renderAll();
  });
  room.on('trackSubscribed', (track, p) => {
    log('info', `receiving ${display(p)}'s audio`);
    if (!sinks.has(p.id)) {
      const audio = p.attach();   // follows the participant: new tracks after a reconnect too
      $('audio-sinks').append(audio);
      sinks.set(p.id, { participant: p, audio });
    }
    play(sinks.get(p.id).audio);
    renderPeers();
  });
  room.on('trackUnsubscribed', (track, p) => {
    log('info', `stopped receiving ${display(p)}'s audio`);
    renderPeers();
  });
  room.on('chat', (m) => addChat(m));
  room.on('connectionStateChanged', (state) => {
    if (state === 'connected') setConnection('joined', 'Connected');
    if (state === 'reconnecting') setConnection('connecting', 'Reconnecting…');
    setControls();
  });
  room.on('reconnecting', (attempt, delayMs) => {
    $('reconnecting').hidden = false;
    $('reconnecting-text').textContent = `Connection lost. Reconnecting (attempt ${attempt}, in ${(delayMs / 1000).toFixed(1)} s)…`;
    log('warn', `reconnecting: attempt ${attempt} in ${delayMs} ms`);
  });
  room.on('reconnected', (how) => {
    $('reconnecting').hidden = true;
    log('info', how === 'resumed'
      ? `reconnected: session ${room.sessionId} resumed, nobody saw us leave`
      : `reconnected as a new participant ${room.localParticipant.id} (session ${room.sessionId})`);
    systemLine('Reconnected.');
    renderAll();
  });
  room.on('disconnected', (reason, error) => {
    $('reconnecting').hidden = true;
    for (const id of [...sinks.keys()]) dropAudio(id);
    setControls();
    if (reason === 'left') {
      setConnection('closed', 'Left');
      log('info', 'you left the room');
      systemLine('You left the room. Reload to join again.');
    } else {
      setConnection('closed', 'Disconnected');
      const e = error || new BifrostError('connection-lost', `the room ended (${reason})`);
      recordError('connection', e);
      notice(`You were disconnected (${reason}): `, { code: e.code + (e.reason ? ' / ' + e.reason : '') },
        ` — ${e.message}. Reload the page to join again.`);
    }
    renderAll();
  });
  room.on('error', (e) => recordError('sdk', e));
}

const LEFT = {
  left: 'left',
  disconnected: 'lost the connection',
  timeout: 'timed out',
  'slow-consumer': 'was too slow to keep up',
  'server-shutdown': 'left because the server is shutting down',
  'node-failure': 'was lost when its server failed',
  unknown: 'was gone when we reconnected',
};

function remember(p) {
  names.set(p.id, display(p));
  const i = departed.findIndex((d) => d.id === p.id);
  if (i >= 0) departed.splice(i, 1);
}

// ------------------------------------------------------------------------------ audio

function dropAudio(id) {
  const sink = sinks.get(id);
  if (!sink) return;
  sink.participant.detach(sink.audio);
  sink.audio.remove();
  sinks.delete(id);
  inbound.delete(id);
}

/** attach() plays already, but says nothing when autoplay is blocked: ask again to find out. */
function play(audio) {
  audio.play().then(
    () => { $('unlock-audio').hidden = ![...sinks.values()].some((s) => s.participant.audioTrack && s.audio.paused); },
    (e) => { if (e.name === 'NotAllowedError') $('unlock-audio').hidden = false; });
}

function unlockAudio() {
  if (!$('unlock-audio').hidden) for (const s of sinks.values()) play(s.audio);
}

/** Once a second: the inbound audio counters of everyone, for the Audio card. */
async function pollStats() {
  if (!room || room.connectionState !== 'connected') return;
  for (const p of room.participants.values()) {
    const s = await p.stats().catch(() => null);
    if (s) inbound.set(p.id, { ...s, growing: s.packetsReceived > (inbound.get(p.id)?.packetsReceived ?? 0) });
  }
  renderPeers();
}

const micText = (track) => (!track.enabled ? 'muted' : 'on' + (track.label ? ` (${track.label})` : ''));

function toggleMute() {
  const track = room?.localAudioTrack;
  if (!track) return;
  track.enabled = !track.enabled;
  $('mute').textContent = track.enabled ? 'Mute' : 'Unmute';
  $('mic').textContent = micText(track);
  log('info', track.enabled ? 'microphone unmuted' : 'microphone muted');
}

// ------------------------------------------------------------------------------ rendering

function renderAll() {
  renderMe();
  renderPeople();
  renderPeers();
}

function renderMe() {
  const me = room?.localParticipant;
  if (!me?.id) return;
  $('me').replaceChildren(display(me), el('div', 'muted small', `${me.identity} · ${me.id} · ${me.role}`));
}

function avatar(p) {
  const words = display(p).trim().split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}]/gu, '')).filter(Boolean);
  const node = el('span', 'avatar', words.slice(0, 2).map((w) => [...w][0]).join('').toUpperCase() || '?');
  node.style.background = `hsl(${hue(p.id || display(p))}, 55%, 52%)`;
  return node;
}

function personItem(p, isSelf) {
  const name = el('span', 'name', display(p));
  if (isSelf) name.append(el('span', 'you', ' (you)'));
  const who = el('div', 'who');
  who.append(name, el('span', 'sub', `${p.role} · ${p.identity} · ${p.id}`));
  const li = el('li');
  li.append(avatar(p), who);
  return li;
}

function renderPeople() {
  const me = room?.localParticipant;
  const others = room ? [...room.participants.values()].sort((a, b) => display(a).localeCompare(display(b)) || (a.id < b.id ? -1 : 1)) : [];
  $('participants').replaceChildren(
    ...(me?.id ? [personItem(me, true)] : []),
    ...others.map((p) => personItem(p, false)),
    ...departed.map((d) => el('li', 'muted small', `${d.name} ${LEFT[d.reason] || `left (${d.reason})`}`)));
  $('people-count').textContent = me?.id ? String(others.length + 1) : '';
}

function renderPeers() {
  const others = room ? [...room.participants.values()] : [];
  $('peers').replaceChildren(...others.map((p) => {
    const s = inbound.get(p.id) || { packetsReceived: 0, bytesReceived: 0 };
    const [badge, cls] = !p.audioTrack ? [p.role === 'listener' ? 'listener' : 'no audio', 'badge']
      : s.growing ? ['receiving', 'badge good'] : s.packetsReceived ? ['stalled', 'badge bad'] : ['connecting', 'badge'];
    const blocked = p.audioTrack && !$('unlock-audio').hidden ? ' (sound blocked)' : '';
    const head = el('div', 'peer-name', display(p) + ' ');
    head.append(el('span', cls, badge + blocked));
    const li = el('li');
    li.append(head, el('div', 'peer-line', `packetsReceived ${s.packetsReceived} · ${bytes(s.bytesReceived)}`));
    return li;
  }));
  $('peers-empty').hidden = others.length > 0;
  $('peers-empty').textContent = phase === 'closed' ? 'Not connected.' : 'Nobody else is here yet.';
}

// ------------------------------------------------------------------------------ chat

function chatLine(className, ts, ...content) {
  const list = $('chat');
  const li = el('li', className);
  li.append(el('span', 'time', clock(ts)), ...content);
  list.append(li);
  while (list.children.length > 500) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

const systemLine = (text) => chatLine('system', null, text);

function addChat(m) {
  const self = m.from === room.localParticipant.id;
  const from = el('span', 'from', (m.participant ? display(m.participant) : names.get(m.from) || m.from) + (self ? ' (you)' : ''));
  from.style.color = `hsl(${hue(m.from)}, 55%, 38%)`;
  chatLine('', m.ts, from, m.text);
}

async function sendChat(event) {
  event.preventDefault();
  const input = $('chat-input');
  const text = input.value.trim();
  if (!text || !room) return;
  try {
    await room.sendChat(text);
    input.value = '';
  } catch (e) {
    recordError('chat', e);
  }
}

// ------------------------------------------------------------------------------ wiring

window.bifrostDemo = {
  state: () => ({
    connection: phase,
    participantId: room?.localParticipant.id || null,
    participants: room ? [...room.participants.keys()] : [],
    errors: errors.map((e) => ({ ...e })),
  }),
  inboundAudio: () => Promise.all([...(room?.participants.values() ?? [])].map(async (p) => {
    const { packetsReceived, bytesReceived } = await p.stats();
    return { peerId: p.id, packetsReceived, bytesReceived };
  })),
};

window.addEventListener('unhandledrejection', (event) => recordError('page', event.reason || {}));
$('chat-form').addEventListener('submit', sendChat);
$('leave').addEventListener('click', () => { $('leave').disabled = true; room?.leave(); });
$('mute').addEventListener('click', toggleMute);
for (const type of ['click', 'keydown']) document.addEventListener(type, unlockAudio);
setInterval(pollStats, 1000);
renderAll();
main();
