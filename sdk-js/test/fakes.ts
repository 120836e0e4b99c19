/**
 * Test doubles for node (no browser): a websocket the test plays the server on, a fake server
 * that hands them out and answers /rtc/validate, and a scripted RTCPeerConnection.
 */
import type { JoinedFrame, ParticipantInfo, ResumedFrame } from '../src/protocol.js';

/** Anything a test waits for fails after this long instead of hanging the run. */
export const WAIT_MS = 2_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something truthy. */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ------------------------------------------------------------------------------ websocket

type Frame = { type: string; id?: string; [k: string]: unknown };

export class FakeWebSocket {
  readyState = 0;
  readonly sent: Frame[] = [];
  closedByClient: { code?: number; reason?: string } | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Answers the client's frames, like a server would (null: no answer). */
  autoReply: ((frame: Frame) => object | null) | null = null;
  private readCursor = 0;

  constructor(readonly url: string) {}

  // the client's side

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: the websocket is not open');
    const frame = JSON.parse(data) as Frame;
    this.sent.push(frame);
    const reply = this.autoReply?.(frame);
    if (reply) setTimeout(() => this.receive(reply), 0);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedByClient = { code, reason };
    this.readyState = 2;
    setTimeout(() => this.fireClose(code ?? 1005, reason ?? '', true), 0);
  }

  // the server's side

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: object | string): void {
    if (this.readyState !== 1) return;
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  /** The server (or the network) ends the connection. */
  drop(code = 1006, reason = ''): void {
    if (this.readyState === 3) return;
    this.fireClose(code, reason, code !== 1006);
  }

  /** The next frame the client sent (in order) that matches `type`; earlier others are skipped. */
  async nextSent(type?: string, timeoutMs = WAIT_MS): Promise<Frame> {
    return waitFor(`a sent ${type ?? 'frame'}`, () => {
      while (this.readCursor < this.sent.length) {
        const frame = this.sent[this.readCursor++];
        if (!type || frame.type === type) return frame;
      }
      return undefined;
    }, timeoutMs);
  }

  sentOfType(type: string): Frame[] {
    return this.sent.filter((f) => f.type === type);
  }

  private fireClose(code: number, reason: string, wasClean: boolean): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }
}

// ------------------------------------------------------------------------------ server

export function participant(id: string, identity = id.replace(/^p_/, ''), role = 'speaker', flags: Partial<ParticipantInfo> = {}): ParticipantInfo {
  return { id, identity, name: identity.toUpperCase(), role, metadata: '', handRaised: false, muted: false, publishing: false, ...flags };
}

export function joinedFrame(selfId: string, others: ParticipantInfo[] = [], overrides: Partial<JoinedFrame> = {}): JoinedFrame {
  return {
    type: 'joined',
    protocol: 1,
    room: 'demo',
    mode: 'mesh',
    sessionId: `s_${selfId}`,
    participant: participant(selfId, 'me', 'host'),
    participants: others,
    iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
    pingInterval: 10_000,
    pingTimeout: 30_000,
    seq: 10,
    ...overrides,
  };
}

/** The first frame of a resumed session, as `joinedFrame(selfId)` would have started it. */
export function resumedFrame(selfId: string, seq: number, overrides: Partial<ResumedFrame> = {}): ResumedFrame {
  return {
    type: 'resumed',
    protocol: 1,
    room: 'demo',
    mode: 'mesh',
    sessionId: `s_${selfId}`,
    participant: participant(selfId, 'me', 'host'),
    iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
    pingInterval: 10_000,
    pingTimeout: 30_000,
    seq,
    ...overrides,
  };
}

/** The resume parameters of a websocket address: `{session, lastSeq}`, or nulls for a plain join. */
export function resumeQuery(url: string): { session: string | null; lastSeq: string | null } {
  const params = new URL(url).searchParams;
  return { session: params.get('session'), lastSeq: params.get('lastSeq') };
}

export interface ValidateAnswer {
  status: number;
  body: object;
}

export const ADMITTED: ValidateAnswer = {
  status: 200,
  body: { ok: true, room: 'demo', identity: 'me', role: 'host', expiresAt: 1795341600000 },
};

export const EXPIRED: ValidateAnswer = {
  status: 401,
  body: { code: 'unauthorized', reason: 'expired', message: 'token expired at 2026-11-22T10:00:00Z' },
};

/**
 * Hands out FakeWebSockets. With `onConnect` set, each new socket is opened and handled by it
 * (send `joined`, or drop it) on the next tick, as a server would.
 */
export class FakeServer {
  readonly sockets: FakeWebSocket[] = [];
  readonly validateCalls: string[] = [];
  validateAnswer: ValidateAnswer = ADMITTED;
  onConnect: ((ws: FakeWebSocket, index: number) => void) | null = null;

  readonly webSocketFactory = (url: string): WebSocket => {
    const ws = new FakeWebSocket(url);
    const index = this.sockets.length;
    this.sockets.push(ws);
    const handler = this.onConnect;
    if (handler) setTimeout(() => handler(ws, index), 0);
    return ws as unknown as WebSocket;
  };

  readonly fetch = async (url: string): Promise<Response> => {
    this.validateCalls.push(url);
    const answer = this.validateAnswer;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
  };

  /** Accept every connection: open, answer pings, and send `joined` from `joined(index)`. */
  acceptAll(joined: (index: number) => JoinedFrame, options: { pong?: boolean } = {}): void {
    this.onConnect = (ws, index) => {
      ws.autoReply = options.pong === false ? leaves(ws) : serverReplies(ws);
      ws.open();
      ws.receive(joined(index));
    };
  }

  socket(index: number): Promise<FakeWebSocket> {
    return waitFor(`websocket #${index}`, () => this.sockets[index]);
  }
}

/** A server's answers: pong to ping; ack to leave, then close 1000 `left`. */
export function serverReplies(ws: FakeWebSocket): (frame: Frame) => object | null {
  const onLeave = leaves(ws);
  return (frame) => {
    if (frame.type === 'ping') return frame.id ? { type: 'pong', id: frame.id } : { type: 'pong' };
    return onLeave(frame);
  };
}

/** Only `leave` is answered (a server that stopped answering pings). */
export function leaves(ws: FakeWebSocket): (frame: Frame) => object | null {
  return (frame) => {
    if (frame.type !== 'leave') return null;
    setTimeout(() => ws.drop(1000, 'left'), 5); // after the ack, as the server does
    return { type: 'ack', id: frame.id };
  };
}

// ------------------------------------------------------------------------------ WebRTC

export class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(readonly kind: string = 'audio', readonly id: string = `t${Math.random().toString(36).slice(2, 8)}`) {}
  stop(): void {
    this.stopped = true;
  }
}

export class FakeTransceiver {
  currentDirection: RTCRtpTransceiverDirection | null = null;
  readonly sender: { track: FakeTrack | null; replaceTrack(track: FakeTrack | null): Promise<void> };
  readonly receiver = { track: new FakeTrack('audio') };

  constructor(private readonly pc: FakePeerConnection, public directionValue: RTCRtpTransceiverDirection, track: FakeTrack | null) {
    const sender = {
      track,
      replaceTrack: async (t: FakeTrack | null) => {
        sender.track = t;
      },
    };
    this.sender = sender;
  }

  get direction(): RTCRtpTransceiverDirection {
    return this.directionValue;
  }

  set direction(value: RTCRtpTransceiverDirection) {
    this.directionValue = value;
    this.pc.needNegotiation();
  }
}

/** Just enough of RTCPeerConnection for the mesh: a scripted signaling state machine. */
export class FakePeerConnection {
  static readonly created: FakePeerConnection[] = [];
  readonly transceivers: FakeTransceiver[] = [];
  readonly addedCandidates: (RTCIceCandidateInit | null)[] = [];
  readonly remoteDescriptions: RTCSessionDescriptionInit[] = [];
  /** What setConfiguration() was given, in order. */
  readonly configurations: RTCConfiguration[] = [];
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  closed = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((event: { candidate: unknown }) => void) | null = null;
  ontrack: ((event: { track: FakeTrack; streams: unknown[] }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  private negotiationQueued = false;

  constructor(readonly config: RTCConfiguration) {
    FakePeerConnection.created.push(this);
  }

  static factory = (config: RTCConfiguration): RTCPeerConnection =>
    new FakePeerConnection(config) as unknown as RTCPeerConnection;

  addTransceiver(trackOrKind: FakeTrack | string, init: { direction: RTCRtpTransceiverDirection }): FakeTransceiver {
    const track = typeof trackOrKind === 'string' ? null : trackOrKind;
    const t = new FakeTransceiver(this, init.direction, track);
    this.transceivers.push(t);
    this.needNegotiation();
    return t;
  }

  addTrack(track: FakeTrack): FakeTransceiver['sender'] {
    const t = new FakeTransceiver(this, 'sendrecv', track);
    this.transceivers.push(t);
    this.needNegotiation();
    return t.sender;
  }

  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }

  needNegotiation(): void {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    setTimeout(() => {
      this.negotiationQueued = false;
      if (!this.closed && this.signalingState === 'stable') this.onnegotiationneeded?.();
    }, 0);
  }

  async setLocalDescription(): Promise<void> {
    if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: `fake-answer ${this.directions()}` };
      this.signalingState = 'stable';
    } else {
      this.localDescription = { type: 'offer', sdp: `fake-offer ${this.directions()}` };
      this.signalingState = 'have-local-offer';
    }
  }

  get remoteDescription(): RTCSessionDescriptionInit | null {
    return this.remoteDescriptions.length ? this.remoteDescriptions[this.remoteDescriptions.length - 1] : null;
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescriptions.push(description);
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
  }

  async addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void> {
    this.addedCandidates.push(candidate ?? null);
  }

  restartIce(): void {}

  getConfiguration(): RTCConfiguration {
    return this.configurations.length ? this.configurations[this.configurations.length - 1] : this.config;
  }

  setConfiguration(config: RTCConfiguration): void {
    this.configurations.push(config);
  }

  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
    this.signalingState = 'closed';
  }

  /** What getStats() reports, one entry per stats object. */
  stats: object[] = [
    { type: 'inbound-rtp', kind: 'audio', packetsReceived: 50, bytesReceived: 4000, totalAudioEnergy: 0.25, audioLevel: 0.1 },
    { type: 'outbound-rtp', kind: 'audio', packetsSent: 50, bytesSent: 4000 },
  ];

  async getStats(): Promise<Map<string, object>> {
    return new Map<string, object>(this.stats.map((entry, i) => [`s${i}`, entry]));
  }

  /** The browser found a local candidate (or, with null, finished gathering). */
  gather(candidate: string | null): void {
    this.onicecandidate?.({
      candidate: candidate === null ? null : { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u', toJSON: () => ({ candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' }) },
    });
  }

  /** Remote audio arrives on a transceiver the remote offer created; `streams` are its msid stream ids. */
  remoteTrack(track: FakeTrack, streams: string[] = []): void {
    this.ontrack?.({ track, streams: streams.map((id) => ({ id })) });
  }

  private directions(): string {
    return this.transceivers.map((t) => `${t.direction}:${t.sender.track ? t.sender.track.id : '-'}`).join(',');
  }
}
