/*
 * Bifrost demo page: joins a room over the Bifrost wire protocol v1 (docs/protocol.md) and
 * holds a peer-to-peer audio call with every other participant (a mesh).
 *
 * Query parameters:
 *   room          room to join (default "demo"); used only when the page asks for a dev token
 *   name          display name (default: a random friendly name)
 *   role          role asked of the dev token endpoint (default "speaker")
 *   token         a ready join token (JWT); otherwise the page asks GET /dev/token
 *   loopbackOnly  "1": only ICE candidates whose address is 127.0.0.1 are sent and accepted,
 *                 and no STUN/TURN servers are used (for tests on one machine)
 *
 * For tests, window.bifrostDemo exposes:
 *   state()          {connection: 'connecting'|'joined'|'closed', participantId, participants:
 *                     [ids of the other participants], errors: [{source, code, message, id?}], ...}
 *   inboundAudio()   Promise of [{peerId, packetsReceived, bytesReceived}] read from getStats()
 *
 * Plain browser JavaScript, no build step and no dependencies.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------------------
  // Configuration
  // ---------------------------------------------------------------------------------------

  var params = new URLSearchParams(location.search);

  function flag(value) {
    return value === '1' || value === 'true' || value === 'yes' || value === '';
  }

  var config = {
    room: params.get('room') || 'demo',
    name: params.get('name') || randomName(),
    role: params.get('role') || 'speaker',
    token: params.get('token') || '',
    loopbackOnly: params.has('loopbackOnly') && flag(params.get('loopbackOnly')),
  };

  var LOOPBACK = '127.0.0.1';
  var MAX_LOG = 300;
  var MAX_CHAT = 500;

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------

  var state = {
    connection: 'connecting',
    room: null,
    sessionId: null,
    self: null,                 // our participant object from `joined`
    participants: new Map(),    // id -> participant, the others in the room
    departed: [],               // [{participant, reason}] most recent first, for the people card
    errors: [],
    lastSeq: null,
    pingInterval: 10000,
    pingTimeout: 30000,
    lastPongAt: 0,
    disconnect: null,           // the server's `disconnect` frame, if any
    leaving: false,
  };

  var ws = null;
  var joinedOnce = false;
  var requestCounter = 0;
  var pending = new Map();      // request id -> {type, to}
  var peers = new Map();        // participant id -> Peer
  var chatItems = [];           // [{seq, kind: 'chat'|'system', ...}] kept sorted by seq
  var iceServers = [];
  var micPromise = null;
  var localStream = null;
  var pingTimer = null;
  var statsTimer = null;

  // ---------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function randomName() {
    var adjectives = ['Happy', 'Curious', 'Brave', 'Calm', 'Sunny', 'Witty', 'Gentle', 'Lucky',
      'Bright', 'Cosy', 'Jolly', 'Nimble', 'Quiet', 'Swift', 'Kind', 'Merry'];
    var animals = ['Otter', 'Fox', 'Panda', 'Owl', 'Koala', 'Puffin', 'Lynx', 'Heron', 'Badger',
      'Seal', 'Robin', 'Hedgehog', 'Dolphin', 'Marmot', 'Wren', 'Beaver'];
    return pick(adjectives) + ' ' + pick(animals);
  }

  function pick(list) { return list[Math.floor(Math.random() * list.length)]; }

  function randomSuffix(length) {
    var alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
    var out = '';
    var bytes = new Uint8Array(length);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var j = 0; j < length; j++) bytes[j] = Math.floor(Math.random() * 256);
    }
    for (var i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
    return out;
  }

  function makeIdentity(name) {
    var slug = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 32);
    return (slug || 'guest') + '-' + randomSuffix(5);
  }

  function hashHue(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  function clock(ts) {
    var d = ts ? new Date(ts) : new Date();
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function nameOf(id) {
    if (state.self && state.self.id === id) return state.self.name || state.self.identity || id;
    var p = state.participants.get(id);
    if (p) return p.name || p.identity || id;
    for (var i = 0; i < state.departed.length; i++) {
      var d = state.departed[i].participant;
      if (d.id === id) return d.name || d.identity || id;
    }
    return id;
  }

  function formatBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(2) + ' MiB';
  }

  /** The connection address of an ICE candidate line ("candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"). */
  function candidateAddress(line) {
    if (typeof line !== 'string') return null;
    var parts = line.trim().split(/\s+/);
    return parts.length >= 6 ? parts[4] : null;
  }

  // ---------------------------------------------------------------------------------------
  // Log, errors and notices
  // ---------------------------------------------------------------------------------------

  function log(level, text) {
    var list = $('log');
    var item = el('li', level === 'info' ? '' : level);
    item.appendChild(el('span', 't', clock()));
    item.appendChild(document.createTextNode(text));
    list.appendChild(item);
    while (list.children.length > MAX_LOG) list.removeChild(list.firstChild);
    list.scrollTop = list.scrollHeight;
    if (level === 'error') console.error('[bifrost] ' + text);
  }

  function recordError(source, code, message, id, extra) {
    var entry = { source: source, code: code, message: message };
    if (id !== undefined && id !== null) entry.id = id;
    if (extra) for (var k in extra) entry[k] = extra[k];
    state.errors.push(entry);
    if (state.errors.length > 200) state.errors.shift();
  }

  function showNotice(parts) {
    var box = $('notice');
    box.textContent = '';
    parts.forEach(function (part) {
      if (typeof part === 'string') box.appendChild(document.createTextNode(part));
      else box.appendChild(el(part.tag || 'code', null, part.text));
    });
    box.hidden = false;
  }

  function setConnection(connection, text) {
    state.connection = connection;
    document.body.classList.toggle('is-closed', connection === 'closed');
    var pill = $('conn');
    pill.className = 'pill pill-' + connection;
    $('conn-text').textContent = text;
  }

  // ---------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------

  var idPrefix = { offer: 'o', answer: 'a', candidate: 'i', chat: 'c', ping: 'k', leave: 'l' };

  /** Sends a request with a fresh id; returns the id, or null when the socket is not open. */
  function request(type, fields) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return null;
    var id = (idPrefix[type] || 'r') + (++requestCounter);
    var msg = { type: type, id: id };
    for (var k in fields) msg[k] = fields[k];
    pending.set(id, { type: type, to: fields && fields.to });
    ws.send(JSON.stringify(msg));
    return id;
  }

  // ---------------------------------------------------------------------------------------
  // Start: token, then websocket
  // ---------------------------------------------------------------------------------------

  async function start() {
    setConnection('connecting', 'Getting a token…');
    $('me').textContent = config.name;
    $('room-name').textContent = config.token ? '(from token)' : config.room;
    if (config.loopbackOnly) log('info', 'loopbackOnly: only 127.0.0.1 ICE candidates, no STUN/TURN');

    var token = config.token;
    if (!token) {
      try {
        token = await fetchDevToken();
      } catch (e) {
        setConnection('closed', 'No token');
        renderPeers();
        recordError('page', e.code || 'token', e.message);
        log('error', e.message);
        if (e.code === 'no-dev-key') {
          showNotice([
            'This server hands out no development tokens (it runs without its development key). ',
            'Add a join token to the address: ',
            { text: '?token=<JWT>' },
            ' (for example one issued by your app backend or the token CLI).',
          ]);
        } else {
          showNotice(['Could not get a token: ' + e.message]);
        }
        return;
      }
    }
    connect(token);
  }

  async function fetchDevToken() {
    var q = new URLSearchParams({
      room: config.room,
      identity: makeIdentity(config.name),
      name: config.name,
      role: config.role,
    });
    var res;
    try {
      res = await fetch('/dev/token?' + q.toString(), { cache: 'no-store' });
    } catch (e) {
      var err = new Error('the server is unreachable (' + e.message + ')');
      err.code = 'unreachable';
      throw err;
    }
    if (res.status === 404) {
      var nokey = new Error('GET /dev/token answered 404: no development key on this server; pass ?token=');
      nokey.code = 'no-dev-key';
      throw nokey;
    }
    var body = await res.text();
    var json = null;
    try { json = JSON.parse(body); } catch (_) { /* not JSON */ }
    if (!res.ok || !json || typeof json.token !== 'string') {
      var detail = json && (json.message || json.reason || json.code) ? (json.message || json.reason || json.code) : body.slice(0, 200);
      var bad = new Error('GET /dev/token answered ' + res.status + (detail ? ': ' + detail : ''));
      bad.code = 'token';
      throw bad;
    }
    return json.token;
  }

  function connect(token) {
    setConnection('connecting', 'Connecting…');
    var url = (location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host +
      '/rtc?access_token=' + encodeURIComponent(token);
    try {
      ws = new WebSocket(url);
    } catch (e) {
      setConnection('closed', 'Failed');
      recordError('page', 'websocket', e.message);
      log('error', 'cannot open the websocket: ' + e.message);
      return;
    }
    ws.onopen = function () { log('info', 'websocket open, waiting for joined'); };
    ws.onmessage = function (ev) {
      var msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        recordError('page', 'bad-frame', 'the server sent a frame that is not JSON');
        log('error', 'the server sent a frame that is not JSON: ' + String(ev.data).slice(0, 120));
        return;
      }
      try {
        handle(msg);
      } catch (e) {
        recordError('page', 'handler', e.message);
        log('error', 'failed to handle ' + msg.type + ': ' + e.message);
      }
    };
    ws.onerror = function () { /* a close event follows with the details */ };
    ws.onclose = function (ev) { onClose(ev, token); };
  }

  // ---------------------------------------------------------------------------------------
  // Incoming frames
  // ---------------------------------------------------------------------------------------

  function handle(msg) {
    if (!msg || typeof msg.type !== 'string') {
      log('warn', 'ignored a frame without a type');
      return;
    }
    if (!joinedOnce && msg.type !== 'joined' && msg.type !== 'error' && msg.type !== 'disconnect') {
      log('warn', 'ignored ' + msg.type + ' before joined');
      return;
    }
    switch (msg.type) {
      case 'joined': onJoined(msg); break;
      case 'participant-joined': onParticipantJoined(msg); break;
      case 'participant-left': onParticipantLeft(msg); break;
      case 'offer':
      case 'answer':
      case 'candidate': onSignal(msg); break;
      case 'chat': onChat(msg); break;
      case 'ack': pending.delete(msg.id); break;
      case 'pong': pending.delete(msg.id); state.lastPongAt = Date.now(); break;
      case 'error': onErrorFrame(msg); break;
      case 'disconnect': onDisconnect(msg); break;
      default: log('warn', 'ignored an unknown frame type: ' + msg.type);
    }
  }

  /** Tracks the room sequence; returns false for an event we have already seen. */
  function noteSeq(seq, type) {
    if (typeof seq !== 'number') {
      log('warn', type + ' arrived without seq');
      return true;
    }
    if (state.lastSeq !== null) {
      if (seq <= state.lastSeq) {
        log('warn', 'dropped ' + type + ' seq ' + seq + ': already at seq ' + state.lastSeq + ' (duplicate)');
        return false;
      }
      if (seq !== state.lastSeq + 1) {
        log('warn', 'missed ' + (seq - state.lastSeq - 1) + ' room event(s) before seq ' + seq);
      }
    }
    state.lastSeq = seq;
    return true;
  }

  function onJoined(msg) {
    if (joinedOnce) {
      log('warn', 'a second joined frame was ignored');
      return;
    }
    joinedOnce = true;
    state.room = msg.room;
    state.sessionId = msg.sessionId;
    state.self = msg.participant || { id: '?' };
    state.lastSeq = typeof msg.seq === 'number' ? msg.seq : null;
    (msg.participants || []).forEach(function (p) {
      if (p && p.id && p.id !== state.self.id) state.participants.set(p.id, p);
    });
    iceServers = config.loopbackOnly ? [] : (Array.isArray(msg.iceServers) ? msg.iceServers : []);
    if (typeof msg.pingInterval === 'number' && msg.pingInterval > 0) state.pingInterval = msg.pingInterval;
    if (typeof msg.pingTimeout === 'number' && msg.pingTimeout > 0) state.pingTimeout = msg.pingTimeout;
    if (msg.protocol !== 1) log('warn', 'the server speaks protocol ' + msg.protocol + ', this page speaks 1');

    setConnection('joined', 'Connected');
    $('room-name').textContent = state.room;
    renderMe();
    $('chat-input').disabled = false;
    $('chat-send').disabled = false;
    $('leave').disabled = false;
    log('info', 'joined room ' + state.room + ' as ' + state.self.id + ' (session ' + state.sessionId + ', ' +
      state.participants.size + ' other(s), seq ' + state.lastSeq + ')');
    addSystemLine(state.lastSeq, 'You joined ' + state.room + '.');

    startPing();
    startStats();
    micPromise = getMicrophone();
    state.participants.forEach(function (p) { ensurePeer(p.id); });
    renderParticipants();
    renderPeers();
  }

  function onParticipantJoined(msg) {
    if (!noteSeq(msg.seq, msg.type)) return;
    var p = msg.participant;
    if (!p || !p.id || (state.self && p.id === state.self.id)) return;
    state.participants.set(p.id, p);
    state.departed = state.departed.filter(function (d) { return d.participant.id !== p.id; });
    log('info', (p.name || p.identity) + ' joined (' + p.id + ', ' + p.role + ')');
    addSystemLine(msg.seq, (p.name || p.identity) + ' joined.');
    ensurePeer(p.id);
    renderParticipants();
    renderPeers();
  }

  var leftReasons = {
    left: 'left',
    disconnected: 'lost the connection',
    timeout: 'timed out',
    'slow-consumer': 'was too slow to keep up',
    'server-shutdown': 'left because the server is shutting down',
  };

  function onParticipantLeft(msg) {
    if (!noteSeq(msg.seq, msg.type)) return;
    var id = msg.participantId;
    var p = state.participants.get(id) || { id: id, name: id };
    var who = p.name || p.identity || id;
    state.participants.delete(id);
    state.departed.unshift({ participant: p, reason: msg.reason || 'left' });
    state.departed = state.departed.slice(0, 5);
    closePeer(id);
    log('info', who + ' left (' + (msg.reason || 'no reason') + ')');
    addSystemLine(msg.seq, who + ' ' + (leftReasons[msg.reason] || 'left (' + msg.reason + ')') + '.');
    renderParticipants();
    renderPeers();
  }

  function onChat(msg) {
    if (!noteSeq(msg.seq, msg.type)) return;
    insertChat({ seq: msg.seq, kind: 'chat', from: msg.from, text: msg.text, ts: msg.ts });
  }

  function onErrorFrame(msg) {
    var req = msg.id !== undefined ? pending.get(msg.id) : null;
    if (msg.id !== undefined) pending.delete(msg.id);
    var about = '';
    if (req) about = ' (' + req.type + (req.to ? ' to ' + nameOf(req.to) : '') + ', id ' + msg.id + ')';
    else if (msg.id !== undefined) about = ' (id ' + msg.id + ')';
    recordError('server', msg.code, msg.message, msg.id);
    log('error', 'error ' + msg.code + about + ': ' + msg.message);
  }

  function onDisconnect(msg) {
    state.disconnect = msg;
    log('warn', 'the server is disconnecting us: ' + msg.reason + (msg.reconnect ? ' (reconnecting may work)' : ''));
  }

  function onSignal(msg) {
    if (!msg.from) {
      log('warn', msg.type + ' without from was ignored');
      return;
    }
    var peer = ensurePeer(msg.from);
    if (peer) peer.handleSignal(msg);
  }

  // ---------------------------------------------------------------------------------------
  // Closing
  // ---------------------------------------------------------------------------------------

  function onClose(ev, token) {
    stopTimers();
    var wasJoined = joinedOnce;
    ws = null;
    peers.forEach(function (peer) { peer.close(); });
    peers.clear();
    $('chat-input').disabled = true;
    $('chat-send').disabled = true;
    $('leave').disabled = true;
    $('mute').disabled = true;
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });

    var why = 'close code ' + ev.code + (ev.reason ? ', ' + ev.reason : '');
    if (!wasJoined) {
      setConnection('closed', 'Refused');
      log('error', 'the connection closed before joining (' + why + '); asking /rtc/validate why');
      explainRefusal(token, ev);
      renderPeers();
      return;
    }
    if (state.leaving) {
      setConnection('closed', 'Left');
      log('info', 'you left the room (' + why + ')');
      addSystemLine(null, 'You left the room. Reload to join again.');
    } else {
      setConnection('closed', 'Disconnected');
      var reason = ev.reason || (state.disconnect && state.disconnect.reason) || 'connection lost';
      recordError('connection', reason, 'the connection closed (' + why + ')');
      log('error', 'the connection closed (' + why + ')');
      showNotice(['You were disconnected: ' + reason + '. Reload the page to join again.']);
    }
    renderPeers();
  }

  async function explainRefusal(token, ev) {
    var res, body;
    try {
      res = await fetch('/rtc/validate?access_token=' + encodeURIComponent(token), { cache: 'no-store' });
      body = await res.json();
    } catch (e) {
      recordError('connection', 'unreachable', 'the server could not be reached: ' + e.message);
      showNotice(['Could not reach the server (' + e.message + '). Is it running?']);
      return;
    }
    if (res.ok && body && body.ok) {
      var msg = 'the token is valid, yet the connection closed before joining (close code ' + ev.code + ')';
      recordError('connection', 'closed', msg);
      showNotice(['The server accepted the token but closed the connection before joining (close code ' + ev.code + ').']);
      return;
    }
    var code = (body && body.code) || ('http-' + res.status);
    var reason = (body && body.reason) || '';
    var message = (body && body.message) || '';
    recordError('connection', code, message || reason, null, { reason: reason, status: res.status });
    log('error', 'refused: ' + code + (reason ? ' / ' + reason : '') + (message ? ': ' + message : ''));
    showNotice([
      'The server refused to let you in: ',
      { text: code + (reason ? ' / ' + reason : '') },
      message ? ' — ' + message : '',
    ]);
  }

  function leave() {
    if (!ws) return;
    state.leaving = true;
    if (request('leave', {}) === null) ws.close(1000, 'left');
    // The server answers with ack and closes with 1000 "left"; do not wait forever.
    var socket = ws;
    setTimeout(function () { if (socket && socket.readyState !== WebSocket.CLOSED) socket.close(1000, 'left'); }, 3000);
  }

  // ---------------------------------------------------------------------------------------
  // Keepalive and stats timers
  // ---------------------------------------------------------------------------------------

  function startPing() {
    state.lastPongAt = Date.now();
    pingTimer = setInterval(function () {
      if (!ws) return;
      if (Date.now() - state.lastPongAt > state.pingTimeout) {
        recordError('connection', 'pong-timeout', 'no pong within ' + state.pingTimeout + ' ms');
        log('error', 'no pong within ' + state.pingTimeout + ' ms; the connection is dead');
        ws.close(4000, 'pong-timeout');
        return;
      }
      request('ping', {});
    }, state.pingInterval);
  }

  function startStats() {
    statsTimer = setInterval(function () {
      peers.forEach(function (peer) {
        peer.readInbound().then(function () { renderPeerLine(peer); });
      });
    }, 1000);
  }

  function stopTimers() {
    if (pingTimer) clearInterval(pingTimer);
    if (statsTimer) clearInterval(statsTimer);
    pingTimer = statsTimer = null;
  }

  // ---------------------------------------------------------------------------------------
  // Microphone
  // ---------------------------------------------------------------------------------------

  async function getMicrophone() {
    var mic = $('mic');
    if (state.self && state.self.role === 'listener') {
      mic.textContent = 'off — listeners only listen';
      log('info', 'you joined as a listener: the microphone stays off');
      return null;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      var why = window.isSecureContext ? 'this browser has no getUserMedia'
        : 'the microphone needs https or localhost';
      recordError('page', 'microphone', why);
      log('error', 'no microphone: ' + why + '; you can still listen');
      mic.textContent = 'unavailable — listening only';
      return null;
    }
    mic.textContent = 'asking…';
    try {
      var stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      localStream = stream;
      var track = stream.getAudioTracks()[0];
      mic.textContent = 'on' + (track && track.label ? ' (' + track.label + ')' : '');
      $('mute').disabled = !ws;
      log('info', 'microphone on' + (track && track.label ? ': ' + track.label : ''));
      if (!ws) stream.getTracks().forEach(function (t) { t.stop(); });
      return stream;
    } catch (e) {
      recordError('page', 'microphone', e.name + ': ' + e.message);
      log('error', 'no microphone (' + e.name + ': ' + e.message + '); you can still listen');
      mic.textContent = 'unavailable — listening only';
      return null;
    }
  }

  function toggleMute() {
    if (!localStream) return;
    var track = localStream.getAudioTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    $('mute').textContent = track.enabled ? 'Mute' : 'Unmute';
    $('mic').textContent = track.enabled ? 'on' + (track.label ? ' (' + track.label + ')' : '') : 'muted';
  }

  // ---------------------------------------------------------------------------------------
  // Peer connections: perfect negotiation, one RTCPeerConnection per other participant
  // ---------------------------------------------------------------------------------------

  function ensurePeer(id) {
    if (!state.self || id === state.self.id || !ws) return null;
    var peer = peers.get(id);
    if (!peer) {
      peer = new Peer(id);
      peers.set(id, peer);
      renderPeers();
    }
    return peer;
  }

  function closePeer(id) {
    var peer = peers.get(id);
    if (!peer) return;
    peer.close();
    peers.delete(id);
  }

  function Peer(id) {
    var self = this;
    this.id = id;
    // The participant whose id sorts lower is the polite one.
    this.polite = state.self.id < id;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.settingRemoteAnswer = false;
    this.closed = false;
    this.queue = Promise.resolve();
    this.remoteAudio = false;
    this.playBlocked = false;
    this.inbound = { packetsReceived: 0, bytesReceived: 0, audioLevel: null };
    this.sentCandidates = 0;
    this.pc = new RTCPeerConnection({ iceServers: iceServers });

    this.audio = document.createElement('audio');
    this.audio.autoplay = true;
    this.audio.setAttribute('playsinline', '');
    this.audio.dataset.peer = id;
    $('audio-sinks').appendChild(this.audio);

    var pc = this.pc;

    pc.onnegotiationneeded = async function () {
      try {
        self.makingOffer = true;
        await pc.setLocalDescription();
        if (self.closed) return;
        var desc = pc.localDescription;
        request(desc.type, { to: id, sdp: desc.sdp });
      } catch (e) {
        self.fail('negotiation', e);
      } finally {
        self.makingOffer = false;
      }
    };

    pc.onicecandidate = function (ev) {
      if (self.closed) return;
      var c = ev.candidate;
      if (!c) {
        request('candidate', { to: id, candidate: null });
        return;
      }
      if (!c.candidate) return; // an empty end-of-generation marker; the null follows
      if (config.loopbackOnly && candidateAddress(c.candidate) !== LOOPBACK) return;
      self.sentCandidates++;
      request('candidate', { to: id, candidate: c.toJSON() });
    };

    pc.ontrack = function (ev) {
      if (ev.track.kind !== 'audio') return;
      self.remoteAudio = true;
      var stream = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
      if (self.audio.srcObject !== stream) self.audio.srcObject = stream;
      self.play();
      ev.track.onunmute = function () { renderPeerLine(self); };
      renderPeerLine(self);
    };

    pc.onconnectionstatechange = function () {
      if (self.closed) return;
      log('info', 'peer ' + nameOf(id) + ': ' + pc.connectionState);
      if (pc.connectionState === 'failed') {
        log('warn', 'peer ' + nameOf(id) + ' failed; restarting ICE');
        pc.restartIce();
      }
      renderPeerLine(self);
    };
    pc.oniceconnectionstatechange = function () { renderPeerLine(self); };
    pc.onsignalingstatechange = function () { renderPeerLine(self); };

    // Send our microphone once we have it; without one, still ask to receive audio.
    (micPromise || Promise.resolve(null)).then(function (stream) {
      if (self.closed) return;
      if (stream) {
        stream.getTracks().forEach(function (track) { pc.addTrack(track, stream); });
      } else {
        pc.addTransceiver('audio', { direction: 'recvonly' });
      }
    });
  }

  Peer.prototype.fail = function (what, e) {
    var message = nameOf(this.id) + ': ' + what + ' failed: ' + (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : e);
    recordError('webrtc', what, message);
    log('error', message);
  };

  /** Incoming offer/answer/candidate, processed one at a time in arrival order. */
  Peer.prototype.handleSignal = function (msg) {
    var self = this;
    this.queue = this.queue.then(function () { return self.applySignal(msg); }).catch(function (e) {
      self.fail(msg.type, e);
    });
  };

  Peer.prototype.applySignal = async function (msg) {
    if (this.closed) return;
    var pc = this.pc;
    if (msg.type === 'offer' || msg.type === 'answer') {
      if (typeof msg.sdp !== 'string') throw new Error(msg.type + ' without sdp');
      var description = { type: msg.type, sdp: msg.sdp };
      var readyForOffer = !this.makingOffer &&
        (pc.signalingState === 'stable' || this.settingRemoteAnswer);
      var offerCollision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.polite && offerCollision;
      if (this.ignoreOffer) {
        log('info', 'glare with ' + nameOf(this.id) + ': impolite, ignoring their offer');
        return;
      }
      if (offerCollision) log('info', 'glare with ' + nameOf(this.id) + ': polite, rolling back our offer');
      this.settingRemoteAnswer = description.type === 'answer';
      try {
        // On a collision (polite side) setRemoteDescription(offer) rolls our offer back first.
        await pc.setRemoteDescription(description);
      } finally {
        this.settingRemoteAnswer = false;
      }
      if (description.type === 'offer') {
        await pc.setLocalDescription();
        if (this.closed) return;
        request('answer', { to: this.id, sdp: pc.localDescription.sdp });
      }
      return;
    }
    if (msg.type === 'candidate') {
      var c = msg.candidate;
      if (c && config.loopbackOnly && candidateAddress(c.candidate) !== LOOPBACK) return;
      try {
        if (c) await pc.addIceCandidate(c);
        else await pc.addIceCandidate(); // end of candidates
      } catch (e) {
        if (!this.ignoreOffer && c) throw e;
      }
    }
  };

  Peer.prototype.play = function () {
    var self = this;
    var p = this.audio.play();
    if (p && p.catch) {
      p.then(function () {
        self.playBlocked = false;
        updateUnlockButton();
      }).catch(function (e) {
        if (e && e.name === 'NotAllowedError') {
          self.playBlocked = true;
          updateUnlockButton();
        }
      });
    }
  };

  Peer.prototype.readInbound = async function () {
    var result = { packetsReceived: 0, bytesReceived: 0, audioLevel: null };
    if (this.closed) return this.inbound;
    try {
      var report = await this.pc.getStats();
      report.forEach(function (s) {
        if (s.type === 'inbound-rtp' && (s.kind === 'audio' || s.mediaType === 'audio')) {
          result.packetsReceived += s.packetsReceived || 0;
          result.bytesReceived += s.bytesReceived || 0;
          if (typeof s.audioLevel === 'number') result.audioLevel = Math.max(result.audioLevel || 0, s.audioLevel);
        }
      });
    } catch (e) {
      return this.inbound;
    }
    this.inbound = result;
    return result;
  };

  Peer.prototype.close = function () {
    if (this.closed) return;
    this.closed = true;
    try { this.pc.close(); } catch (_) { /* already closed */ }
    this.audio.srcObject = null;
    if (this.audio.parentNode) this.audio.parentNode.removeChild(this.audio);
    log('info', 'closed the call with ' + nameOf(this.id));
    updateUnlockButton();
  };

  function updateUnlockButton() {
    var blocked = false;
    peers.forEach(function (p) { if (p.playBlocked && !p.closed) blocked = true; });
    $('unlock-audio').hidden = !blocked;
  }

  /** The browser blocked autoplay: any click or key press on the page may start the sound. */
  function retryBlockedAudio() {
    peers.forEach(function (p) { if (p.playBlocked && !p.closed) p.play(); });
  }

  // ---------------------------------------------------------------------------------------
  // Chat
  // ---------------------------------------------------------------------------------------

  function addSystemLine(seq, text) {
    insertChat({ seq: seq, kind: 'system', text: text, ts: Date.now() });
  }

  function insertChat(item) {
    // Sorted by seq; items without seq (local notes) go to the end.
    var key = item.seq === null || item.seq === undefined ? Infinity : item.seq;
    var i = chatItems.length;
    while (i > 0) {
      var prev = chatItems[i - 1];
      var prevKey = prev.seq === null || prev.seq === undefined ? Infinity : prev.seq;
      if (prevKey <= key) break;
      i--;
    }
    chatItems.splice(i, 0, item);
    if (chatItems.length > MAX_CHAT) chatItems.shift();
    renderChat();
  }

  function renderChat() {
    var list = $('chat');
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.textContent = '';
    chatItems.forEach(function (item) {
      var li = el('li', item.kind === 'system' ? 'system' : '');
      if (item.seq !== null && item.seq !== undefined) li.dataset.seq = item.seq;
      li.appendChild(el('span', 'time', clock(item.ts)));
      if (item.kind === 'chat') {
        var from = el('span', 'from', nameOf(item.from) + (state.self && item.from === state.self.id ? ' (you)' : ''));
        from.style.color = 'hsl(' + hashHue(item.from || '') + ', 55%, 38%)';
        li.appendChild(from);
        li.appendChild(document.createTextNode(item.text));
      } else {
        li.appendChild(document.createTextNode(item.text));
      }
      list.appendChild(li);
    });
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function sendChat(ev) {
    ev.preventDefault();
    var input = $('chat-input');
    var text = input.value.trim();
    if (!text) return;
    if (text.length > 4096) {
      log('error', 'a chat message has at most 4096 characters');
      return;
    }
    if (request('chat', { text: text }) !== null) input.value = '';
  }

  // ---------------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------------

  function avatar(p) {
    var label = (p.name || p.identity || '?').trim();
    var words = label.split(/\s+/).map(function (w) { return w.replace(/[^\p{L}\p{N}]/gu, ''); })
      .filter(function (w) { return w.length > 0; });
    var initials = words.slice(0, 2).map(function (w) { return Array.from(w)[0]; }).join('').toUpperCase();
    var node = el('span', 'avatar', initials || '?');
    node.style.background = 'hsl(' + hashHue(p.id || label) + ', 55%, 52%)';
    return node;
  }

  function personItem(p, isSelf) {
    var li = el('li');
    li.dataset.id = p.id;
    li.appendChild(avatar(p));
    var who = el('div', 'who');
    var name = el('span', 'name', p.name || p.identity);
    if (isSelf) name.appendChild(el('span', 'you', ' (you)'));
    who.appendChild(name);
    who.appendChild(el('span', 'sub', (p.role || '') + ' · ' + p.identity + ' · ' + p.id));
    li.appendChild(who);
    return li;
  }

  function renderMe() {
    var me = state.self;
    if (!me) return;
    var dd = $('me');
    dd.textContent = me.name || me.identity;
    dd.appendChild(el('div', 'muted small', me.identity + ' · ' + me.id + ' · ' + me.role));
  }

  function renderParticipants() {
    var list = $('participants');
    list.textContent = '';
    if (state.self) list.appendChild(personItem(state.self, true));
    var others = Array.from(state.participants.values()).sort(function (a, b) {
      return (a.name || a.identity || '').localeCompare(b.name || b.identity || '') || (a.id < b.id ? -1 : 1);
    });
    others.forEach(function (p) { list.appendChild(personItem(p, false)); });
    state.departed.forEach(function (d) {
      var li = el('li', 'muted small', (d.participant.name || d.participant.identity || d.participant.id) +
        ' ' + (leftReasons[d.reason] || 'left (' + d.reason + ')'));
      list.appendChild(li);
    });
    $('people-count').textContent = state.self ? String(others.length + 1) : '';
  }

  function renderPeers() {
    var list = $('peers');
    var ids = new Set();
    peers.forEach(function (peer) {
      ids.add(peer.id);
      renderPeerLine(peer);
    });
    Array.from(list.children).forEach(function (li) {
      if (!ids.has(li.dataset.peer)) list.removeChild(li);
    });
    $('peers-empty').hidden = peers.size > 0;
    $('peers-empty').textContent = state.connection === 'closed' ? 'Not connected.' : 'Nobody else is here yet.';
  }

  function renderPeerLine(peer) {
    var list = $('peers');
    var li = list.querySelector('li[data-peer="' + CSS.escape(peer.id) + '"]');
    if (peer.closed) {
      if (li) list.removeChild(li);
      return;
    }
    if (!li) {
      li = el('li');
      li.dataset.peer = peer.id;
      li.appendChild(el('div', 'peer-name'));
      li.appendChild(el('div', 'peer-line'));
      list.appendChild(li);
      $('peers-empty').hidden = true;
    }
    var pcState = peer.pc.connectionState;
    var head = li.firstChild;
    head.textContent = nameOf(peer.id) + ' ';
    var badgeClass = pcState === 'connected' ? 'badge good' : (pcState === 'failed' || pcState === 'closed') ? 'badge bad' : 'badge';
    head.appendChild(el('span', badgeClass, pcState));

    var audioState;
    if (!peer.remoteAudio) audioState = 'waiting for audio';
    else if (peer.inbound.packetsReceived > 0) audioState = peer.playBlocked ? 'receiving (sound blocked)' : 'receiving';
    else audioState = 'audio track, no packets yet';
    li.lastChild.textContent = 'audio: ' + audioState +
      ' · packetsReceived ' + peer.inbound.packetsReceived +
      ' · ' + formatBytes(peer.inbound.bytesReceived) +
      (peer.inbound.audioLevel !== null ? ' · level ' + peer.inbound.audioLevel.toFixed(2) : '') +
      ' · ' + (peer.polite ? 'polite' : 'impolite');
  }

  // ---------------------------------------------------------------------------------------
  // Test hooks
  // ---------------------------------------------------------------------------------------

  window.bifrostDemo = {
    state: function () {
      return {
        connection: state.connection,
        room: state.room,
        sessionId: state.sessionId,
        participantId: state.self ? state.self.id : null,
        identity: state.self ? state.self.identity : null,
        participants: Array.from(state.participants.keys()),
        peers: Array.from(peers.values()).map(function (p) {
          return {
            peerId: p.id,
            polite: p.polite,
            connectionState: p.pc.connectionState,
            iceConnectionState: p.pc.iceConnectionState,
            signalingState: p.pc.signalingState,
            remoteAudio: p.remoteAudio,
            packetsReceived: p.inbound.packetsReceived,
          };
        }),
        lastSeq: state.lastSeq,
        errors: state.errors.map(function (e) { return Object.assign({}, e); }),
      };
    },
    inboundAudio: async function () {
      var list = Array.from(peers.values());
      var stats = await Promise.all(list.map(function (p) { return p.readInbound(); }));
      return list.map(function (p, i) {
        return { peerId: p.id, packetsReceived: stats[i].packetsReceived, bytesReceived: stats[i].bytesReceived };
      });
    },
  };

  // ---------------------------------------------------------------------------------------
  // Wiring
  // ---------------------------------------------------------------------------------------

  window.addEventListener('unhandledrejection', function (ev) {
    var reason = ev.reason && ev.reason.message ? ev.reason.message : String(ev.reason);
    recordError('page', 'unhandled', reason);
    log('error', 'unhandled: ' + reason);
  });

  $('chat-form').addEventListener('submit', sendChat);
  $('leave').addEventListener('click', leave);
  $('mute').addEventListener('click', toggleMute);
  $('unlock-audio').addEventListener('click', retryBlockedAudio);
  document.addEventListener('click', retryBlockedAudio);
  document.addEventListener('keydown', retryBlockedAudio);

  renderParticipants();
  renderPeers();
  start();
})();
