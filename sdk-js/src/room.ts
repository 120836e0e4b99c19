/**
 * A room you are in: its participants, their audio, chat, and the connection that carries them,
 * including reconnecting when it drops: resuming the session when the server still holds it,
 * joining again as a new participant when it does not. Its audio goes through a mesh of calls or,
 * in broadcast rooms, through the room's SFU (see {@link Room.mode}).
 *
 * States: `connecting` (until `connect()` resolves) → `connected` ⇄ `reconnecting` →
 * `disconnected` (final; `disconnected` is the last event a Room emits).
 */
import { DEFAULT_RECONNECT_POLICY, backoffDelay, type ReconnectPolicy } from './backoff.js';
import { serverBase, signalingUrl, validateToken, validateUrl, type FetchFunction, type ResumePoint } from './endpoints.js';
import { Broadcast } from './broadcast.js';
import { BifrostError, asBifrostError } from './errors.js';
import { Emitter } from './events.js';
import { Mesh, type IceCandidateFilter, type LocalAudio, type SignalRequest } from './mesh.js';
import { RemoteParticipant, maySpeak, playTrack, stopPlaying, type LocalParticipant } from './participant.js';
import {
  MAX_CHAT_LENGTH,
  SFU,
  type JoinedFrame,
  type ParticipantChange,
  type ParticipantInfo,
  type ParticipantUpdatedFrame,
  type ResumedFrame,
  type RoomMode,
  type ServerMessage,
} from './protocol.js';
import { Signaling, type RequestAnswer, type RequestBody, type SessionStart, type SignalingClosed } from './signaling.js';
import { NO_AUDIO_STATS, participantAudioStats, type AudioStats, type RoomAudioStats } from './stats.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/**
 * How a reconnect got the room back:
 * - `resumed`: the server still held the session. Same participant id and session id, the calls
 *   were kept, and the room events missed while away follow (each applied once);
 * - `rejoined`: it did not (the resume window passed): a new participant, whose participant list
 *   and calls were rebuilt from a fresh `joined`. Events missed while away are not replayed.
 */
export type ReconnectOutcome = 'resumed' | 'rejoined';

export interface ConnectOptions {
  /**
   * Which ICE candidates to use, both the ones sent and the ones received. Return false to drop
   * one; for tests on one machine, keep only 127.0.0.1 (see `loopbackCandidatesOnly`).
   */
  iceCandidateFilter?: IceCandidateFilter;
  /** STUN/TURN servers to use instead of the ones the server advertises in `joined`. */
  iceServers?: RTCIceServer[];
  /** Reconnecting after a dropped connection; `{maxAttempts: 0}` turns it off. */
  reconnect?: Partial<ReconnectPolicy>;
  /** How long a request (and the join) waits for the server's answer. Default 10000. */
  requestTimeoutMs?: number;
  /** Opens the websocket; defaults to `new WebSocket(url)`. For tests and instrumentation. */
  webSocketFactory?: (url: string) => WebSocket;
  /** Used for `/rtc/validate`; defaults to the global `fetch`. For tests. */
  fetch?: FetchFunction;
  /** Creates the peer connections; defaults to `new RTCPeerConnection(config)`. For tests. */
  peerConnectionFactory?: (config: RTCConfiguration) => RTCPeerConnection;
  /** Opens the microphone; defaults to `navigator.mediaDevices.getUserMedia`. For tests. */
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /**
   * Broadcast rooms: open the microphone and publish whenever your role lets you speak, that
   * is when you join as a host or speaker and when a host promotes you (a promoted listener is
   * expected to be heard at once). Default true; with false, publish with `publishMicrophone()`.
   * A demotion always stops publishing.
   */
  autoPublish?: boolean;
}

/** A chat line, as the server numbered it. Your own lines come back too. */
export interface ChatMessage {
  /** The sender's participant id. */
  from: string;
  /** The sender, when still known: a RemoteParticipant, or your LocalParticipant. */
  participant?: RemoteParticipant | LocalParticipant;
  text: string;
  /** The room's sequence number: chat lines of one room sort by it. */
  seq: number;
  /** Server time, milliseconds since the Unix epoch. */
  ts: number;
}

/** A message the app's backend sent to this participant only (REST API). */
export interface DirectMessage {
  /** `server`: the app's backend. */
  from: string;
  text: string;
  /** Server time, milliseconds since the Unix epoch. */
  ts: number;
}

export interface RoomEvents {
  participantJoined: (participant: RemoteParticipant) => void;
  /**
   * Someone's state changed, yours included: a hand raised or lowered (`hand`), a promotion or
   * demotion (`role`), a host's mute (`mute`), publishing started or stopped (`publishing`).
   * The participant already holds the new state.
   */
  participantUpdated: (participant: RemoteParticipant | LocalParticipant, change: ParticipantChange) => void;
  /**
   * `reason`: `left`, `disconnected`, `timeout`, `slow-consumer`, `server-shutdown`,
   * `node-failure` from the server; `unknown` when the participant was gone after a rejoin;
   * `unlisted` when a listener (hand down) is still in the room but no longer listed, because
   * the broadcast room is a large audience (see {@link Room.listenersListed}).
   */
  participantLeft: (participant: RemoteParticipant, reason: string) => void;
  /**
   * Broadcast rooms: the number of listeners, after joining or resuming and whenever it
   * changed. `listed` is {@link Room.listenersListed}.
   */
  listeners: (count: number, listed: boolean) => void;
  /** A chat line to everyone; `from` is `server` for one the app's backend posted. */
  chat: (message: ChatMessage) => void;
  /** A message from the app's backend to this participant only. */
  message: (message: DirectMessage) => void;
  connectionStateChanged: (state: ConnectionState) => void;
  /** Before each reconnect attempt (1-based), with the delay before it. */
  reconnecting: (attempt: number, delayMs: number) => void;
  /** A reconnect succeeded; `how` says whether the session was resumed or the room rejoined. */
  reconnected: (how: ReconnectOutcome) => void;
  /**
   * The server sent a fresh join token before the current one expires (`expiresAt`: its
   * expiry, milliseconds since the Unix epoch). The room keeps it and reconnects with it, also
   * as {@link Room.token}; keep it yourself only to connect again after the room ended.
   */
  tokenRefreshed: (token: string, expiresAt: number) => void;
  /** The room is over; the last event. `reason`: see {@link DisconnectReason}. */
  disconnected: (reason: DisconnectReason, error?: BifrostError) => void;
  /** Something failed without ending the room: an error answer nobody awaited, a WebRTC failure. */
  error: (error: BifrostError) => void;
  trackSubscribed: (track: MediaStreamTrack, participant: RemoteParticipant) => void;
  trackUnsubscribed: (track: MediaStreamTrack, participant: RemoteParticipant) => void;
}

/**
 * Why a room ended:
 * - `left`: you called `leave()`;
 * - `refused`: reconnecting, the server refused the token (`error.code` `unauthorized`,
 *   `forbidden` or `room-full`; `error.reason` e.g. `expired`);
 * - `reconnect-failed`: every reconnect attempt failed;
 * - `connection-lost`: the connection dropped and reconnecting is off;
 * - `resumed-elsewhere`: the server closed this connection because the same session was resumed
 *   on another one (this one is stale; reconnecting would take the session back);
 * - the server's `disconnect` reason (`server-shutdown`) when it said not to reconnect.
 */
export type DisconnectReason = 'left' | 'refused' | 'reconnect-failed' | 'connection-lost' | (string & {});

/** Refusals that retrying with the same token cannot overcome. */
const FINAL_REFUSALS = new Set(['unauthorized', 'forbidden', 'room-full', 'duplicate-identity']);
/** The default of `requestTimeoutMs`: a relayed signal is answered once the room handled it. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** `leave()` waits this long at most for the server's ack before closing anyway. */
const LEAVE_ACK_TIMEOUT_MS = 3_000;
/** The reason of the server's 1000 close of a connection whose session moved to a newer one. */
const RESUMED_ELSEWHERE = 'resumed-elsewhere';
/**
 * Signals the calls make while reconnecting wait for the session to resume. A few candidates
 * and an offer per peer is the normal load; more are dropped, as any signal is while the
 * connection is down, and a call that fails for it restarts ICE.
 */
const MAX_HELD_SIGNALS = 256;

/** A signal made while reconnecting: sent if the session resumes, dropped if the room rejoins. */
interface HeldSignal {
  request: SignalRequest;
  resolve(answer: unknown): void;
  reject(error: BifrostError): void;
}

/** Joins a room; resolves once the server sent `joined`. See the module docs of `connect`. */
export async function connect(url: string, token: string, options: ConnectOptions = {}): Promise<Room> {
  const room = new Room(url, token, options);
  await room.open();
  return room;
}

export class Room {
  private readonly events = new Emitter<RoomEvents>();
  private readonly base: URL;
  /** The newest join token: the one connected with, then each one the server sent. */
  private currentToken: string;
  private readonly options: ConnectOptions;
  private readonly policy: ReconnectPolicy;
  private readonly requestTimeoutMs: number;
  private readonly remotes = new Map<string, RemoteParticipant>();
  /** Our participant ids from earlier connections: their ghosts may linger in the room a while. */
  private readonly pastIds = new Set<string>();

  private state: ConnectionState = 'connecting';
  private roomName = '';
  private roomMode: RoomMode = 'mesh';
  private session = '';
  private local: LocalParticipant = {
    id: '', identity: '', name: '', role: '', metadata: '', handRaised: false, muted: false, publishing: false,
  };
  private lastSeq = -Infinity;
  private listeners = 0;
  private listed = true;
  private signaling: Signaling | null = null;
  /** A reconnect attempt's connection, until it joins. */
  private trying: Signaling | null = null;
  private mesh: Mesh | null = null;
  private broadcast: Broadcast | null = null;
  /** Broadcast audio no participant could be named for: the SDK plays it itself. */
  private readonly unattributed = new Map<MediaStreamTrack, HTMLMediaElement | undefined>();
  private heldSignals: HeldSignal[] = [];
  private localAudio: LocalAudio | null = null;
  /** The track came from publishMicrophone(): the SDK stops it when done with it. */
  private ownsLocalTrack = false;
  /** What publishMicrophone() was last asked for; publishing automatically asks the same. */
  private microphoneConstraints: boolean | MediaTrackConstraints = true;
  private leaving = false;
  private leaveDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  /** Use {@link connect}, which also opens the connection. */
  constructor(url: string, token: string, options: ConnectOptions) {
    this.base = serverBase(url);
    this.currentToken = token;
    this.options = options;
    this.policy = { ...DEFAULT_RECONNECT_POLICY, ...definedOnly(options.reconnect ?? {}) };
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * The newest join token: the one you connected with until the server sends a fresh one
   * before it expires (see the `tokenRefreshed` event). Every reconnect presents this one.
   */
  get token(): string {
    return this.currentToken;
  }

  /** The room's name, from the token. */
  get name(): string {
    return this.roomName;
  }

  /**
   * How the room carries audio, fixed when it was created: `mesh` (a call with every other
   * participant) or `broadcast` (hosts and speakers publish to the room's SFU, everyone listens).
   */
  get mode(): RoomMode {
    return this.roomMode;
  }

  /** The server's id of this session (`s_…`): kept when a reconnect resumes, a new one when it rejoins. */
  get sessionId(): string {
    return this.session;
  }

  get localParticipant(): LocalParticipant {
    return this.local;
  }

  /**
   * The others in the room, by participant id. Hidden participants are never listed; in a large
   * audience (see {@link listenersListed}) neither are the listeners whose hand is down.
   */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.remotes;
  }

  /**
   * Broadcast rooms: how many listeners (participants who may not speak) the room has, as the
   * server last counted them. 0 in mesh rooms, and until the server sent the first count.
   */
  get listenerCount(): number {
    return this.listeners;
  }

  /**
   * Whether {@link participants} lists every listener. True until the broadcast room becomes a
   * large audience (more listeners than the server's limit, 100 by default); from then on, for
   * the rest of the session, it lists the hosts, the speakers and the listeners whose hand is
   * raised only: the others leave the list with `participantLeft(p, 'unlisted')` and their
   * comings and goings are not announced. Follow {@link listenerCount} instead. A rejoin starts
   * again from true until the server says otherwise.
   */
  get listenersListed(): boolean {
    return this.listed;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** The published microphone track, if any. Set `enabled = false` on it to mute. */
  get localAudioTrack(): MediaStreamTrack | undefined {
    return this.localAudio?.track;
  }

  on<K extends keyof RoomEvents>(event: K, listener: RoomEvents[K]): this {
    this.events.on(event, listener);
    return this;
  }

  /** Removes `listener`, or every listener of `event` when none is given. */
  off<K extends keyof RoomEvents>(event: K, listener?: RoomEvents[K]): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Asks for the microphone (`getUserMedia({audio: constraints})`) and sends it to everyone in
   * the room, now and after reconnects. Rejects with the browser's error when access is denied
   * (`NotAllowedError`) or there is no microphone (`NotFoundError`). In a broadcast room it
   * resolves once the SFU took the audio, and rejects with `forbidden` for a listener or
   * `sfu-unavailable`, closing the microphone again.
   */
  async publishMicrophone(constraints: boolean | MediaTrackConstraints = true): Promise<MediaStreamTrack> {
    this.requireNotDisconnected('publishMicrophone');
    this.microphoneConstraints = constraints;
    const stream = await this.getUserMedia({ audio: constraints });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new BifrostError('unavailable', 'getUserMedia gave no audio track', 'no-audio-track');
    if (this.state === 'disconnected') {
      stream.getTracks().forEach((t) => t.stop());
      throw new BifrostError('connection-lost', 'the room was left while the microphone was being opened');
    }
    await this.publish({ track, stream }, true);
    return track;
  }

  /** Sends an audio track you made yourself (processed audio, a file…). The SDK will not stop it. */
  async publishTrack(track: MediaStreamTrack): Promise<void> {
    this.requireNotDisconnected('publishTrack');
    if (track.kind !== 'audio') throw new BifrostError('bad-request', `only audio tracks can be published, not ${track.kind}`);
    const stream = typeof MediaStream === 'function' ? new MediaStream([track]) : undefined;
    await this.publish(stream ? { track, stream } : { track }, false);
  }

  /** Stops sending audio (and stops the microphone publishMicrophone() opened). */
  async unpublish(): Promise<void> {
    const previous = this.localAudio;
    if (!previous) return;
    this.localAudio = null;
    await Promise.all([this.mesh?.setLocalAudio(null), this.broadcast?.unpublish()]);
    if (this.ownsLocalTrack) previous.track.stop();
    this.ownsLocalTrack = false;
  }

  /** Asks to speak: everyone gets `participantUpdated(you, 'hand')`. Resolves once the server applied it. */
  async raiseHand(): Promise<void> {
    await this.request({ type: 'raise-hand' });
  }

  async lowerHand(): Promise<void> {
    await this.request({ type: 'lower-hand' });
  }

  /**
   * Host only: makes a listener a speaker; in broadcast rooms it then publishes (see
   * `autoPublish`). Rejects with a BifrostError: `forbidden` for anyone but a host, `not-found`
   * for someone not in the room, `connection-lost` or `timeout`.
   */
  async promote(participantId: string): Promise<void> {
    await this.request({ type: 'promote', participantId });
  }

  /** Host only: makes a speaker (or host) a listener; its publishing stops. Rejects as {@link promote}. */
  async demote(participantId: string): Promise<void> {
    await this.request({ type: 'demote', participantId });
  }

  /**
   * Host only: mutes a participant (`muted = false` unmutes). The room stops carrying its audio
   * and its own SDK disables its microphone track. Rejects as {@link promote}.
   */
  async mute(participantId: string, muted = true): Promise<void> {
    await this.request({ type: 'mute', participantId, muted });
  }

  /**
   * Audio counters of every connection of the room: one entry per received audio stream, with
   * the sender's participant id where known, and what you sent. Zeros while there is none.
   */
  audioStats(): Promise<RoomAudioStats> {
    return this.broadcast?.audioStats() ?? this.mesh?.audioStats() ?? Promise.resolve(NO_AUDIO_STATS);
  }

  /**
   * Posts a chat line (1 to 4096 UTF-16 code units) to everyone in the room, you included (the
   * `chat` event). Resolves with its sequence number; rejects with a BifrostError: the server's
   * code (`forbidden` without the grant, `rate-limited`…), `connection-lost` or `timeout`.
   */
  async sendChat(text: string): Promise<{ seq: number }> {
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CHAT_LENGTH) {
      throw new BifrostError('bad-request', `a chat line has 1 to ${MAX_CHAT_LENGTH} characters`);
    }
    const answer = await this.request({ type: 'chat', text });
    if (answer.type !== 'ack' || typeof answer.seq !== 'number') {
      throw new BifrostError('internal', 'the server acknowledged the chat line without its seq');
    }
    return { seq: answer.seq };
  }

  /**
   * Leaves the room: sends `leave`, closes the connection and every call, stops the microphone
   * the SDK opened. Never reconnects afterwards; `disconnected('left')` is the last event.
   */
  leave(): Promise<void> {
    if (!this.leaveDone) this.leaveDone = this.state === 'disconnected' ? Promise.resolve() : this.doLeave();
    return this.leaveDone;
  }

  private async doLeave(): Promise<void> {
    this.leaving = true;
    this.wake?.();
    this.trying?.close(1000, 'left');
    this.trying = null;
    const signaling = this.signaling;
    this.signaling = null;
    this.closeMedia();
    if (signaling) await signaling.leave(Math.min(this.requestTimeoutMs, LEAVE_ACK_TIMEOUT_MS));
    this.finish('left');
  }

  // ------------------------------------------------------------------------------ connecting

  /** @internal The first connection; rejects with a BifrostError explaining a refusal. */
  async open(): Promise<void> {
    const signaling = this.newSignaling();
    let start: SessionStart;
    try {
      start = await signaling.join();
    } catch (e) {
      this.state = 'disconnected';
      throw await this.explain(e as BifrostError);
    }
    if (start.type !== 'joined') {
      signaling.close(1000, 'join-failed');
      this.state = 'disconnected';
      throw new BifrostError('internal', 'the server resumed a session this connection did not ask for');
    }
    this.adopt(signaling, start, false);
  }

  private newSignaling(resume?: ResumePoint): Signaling {
    const factory = this.options.webSocketFactory ?? ((url: string) => new WebSocket(url));
    return new Signaling(signalingUrl(this.base, this.currentToken, resume), { requestTimeoutMs: this.requestTimeoutMs, webSocketFactory: factory });
  }

  /** What a reconnect asks the server to resume: this session, after the last event applied. */
  private resumePoint(): ResumePoint | undefined {
    return this.session && Number.isFinite(this.lastSeq) ? { sessionId: this.session, lastSeq: this.lastSeq } : undefined;
  }

  /**
   * A connection closed before `joined`: the browser cannot read why an upgrade failed, so ask
   * `/rtc/validate`, which runs the same admission check as plain HTTP.
   */
  private async explain(error: BifrostError): Promise<BifrostError> {
    if (error.code !== 'connection-lost' && error.code !== 'timeout') return error; // the server said why
    const validation = await this.validate();
    return validation.kind === 'refused' ? validation.error : error;
  }

  private validate() {
    const fetchFn = this.options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));
    return validateToken(fetchFn, validateUrl(this.base, this.currentToken), this.requestTimeoutMs);
  }

  /**
   * A connection joined as a new participant (first, or after a resume failed): take its view of
   * the room, start the calls (the calls of an earlier session end first), listen.
   */
  private adopt(signaling: Signaling, joined: JoinedFrame, reconnect: boolean): void {
    this.closeMedia();
    if (this.local.id) this.pastIds.add(this.local.id);
    this.signaling = signaling;
    this.roomName = joined.room;
    this.roomMode = joined.mode;
    this.session = joined.sessionId;
    this.local = Object.freeze({ ...joined.participant });
    this.lastSeq = joined.seq;
    // A new session: listed until the server's count says otherwise, which follows joined.
    this.listed = true;
    if (joined.mode !== 'broadcast') this.listeners = 0;

    const before = new Map(this.remotes);
    this.remotes.clear();
    for (const info of joined.participants) {
      if (this.isSelf(info.id)) continue;
      const known = before.get(info.id);
      known?.update(info);
      this.remotes.set(info.id, known ?? this.newParticipant(info));
    }
    const iceServers = this.options.iceServers ?? (joined.iceServers as RTCIceServer[]);
    if (joined.mode === 'broadcast') this.startBroadcast(iceServers);
    else this.startMesh(iceServers);

    this.setState('connected');
    if (reconnect) {
      for (const [id, p] of before) if (!this.remotes.has(id)) this.events.emit('participantLeft', p, 'unknown');
      for (const [id, p] of this.remotes) if (!before.has(id)) this.events.emit('participantJoined', p);
      this.events.emit('reconnected', 'rejoined');
    }
    this.listen(signaling);
  }

  private startMesh(iceServers: RTCIceServer[]): void {
    const mesh = new Mesh({
      localId: this.local.id,
      iceServers,
      iceCandidateFilter: this.options.iceCandidateFilter,
      createPeerConnection: this.peerConnectionFactory(),
      send: (request): Promise<unknown> => this.sendSignal(mesh, request),
      onTrack: (id, track) => this.onTrack(mesh, id, track),
      onTrackEnded: (id, track) => this.onTrackEnded(mesh, id, track),
      onError: (error) => {
        if (this.mesh === mesh) this.events.emit('error', error);
      },
    }, this.localAudio);
    this.mesh = mesh;
    for (const id of this.remotes.keys()) mesh.add(id);
  }

  /** No calls between participants: the SFU carries the audio, and it follows your role. */
  private startBroadcast(iceServers: RTCIceServer[]): void {
    const broadcast: Broadcast = new Broadcast({
      iceServers,
      iceCandidateFilter: this.options.iceCandidateFilter,
      createPeerConnection: this.peerConnectionFactory(),
      send: (request) => this.sendToSfu(broadcast, request),
      ownerOf: (labels) => this.ownerOf(labels),
      onTrack: (track, id) => {
        if (this.broadcast === broadcast) this.onBroadcastTrack(track, id);
      },
      onTrackEnded: (track, id) => {
        if (this.broadcast === broadcast) this.onBroadcastTrackEnded(track, id);
      },
      onError: (error) => {
        if (this.broadcast === broadcast) this.events.emit('error', error);
      },
    });
    this.broadcast = broadcast;
    this.followRole();
  }

  private peerConnectionFactory(): (config: RTCConfiguration) => RTCPeerConnection {
    return this.options.peerConnectionFactory ?? ((config) => new RTCPeerConnection(config));
  }

  /**
   * A reconnect resumed the session: the same participant, the same room state, and the same
   * calls (their media never went through the server). The events missed while away come next,
   * and are applied like live ones.
   */
  private resume(signaling: Signaling, resumed: ResumedFrame): void {
    this.signaling = signaling;
    this.roomName = resumed.room;
    this.session = resumed.sessionId;
    const before = this.local;
    this.local = Object.freeze({ ...resumed.participant });
    // lastSeq stays: the replay starts after the lastSeq we sent, and acceptSeq skips repeats.
    const iceServers = this.options.iceServers ?? (resumed.iceServers as RTCIceServer[]);
    if (!this.options.iceServers) this.mesh?.setIceServers(iceServers);
    this.followSelf(before); // promoted, demoted or muted while away: the replay holds no change from here
    // The server let go of the old SFU connections: publish again; a fresh offer of the speakers follows.
    this.broadcast?.restart(iceServers);
    this.setState('connected');
    this.events.emit('reconnected', 'resumed');
    this.listen(signaling); // delivers the replay that came with resumed
    // unless the new connection already closed too: then they wait for the next one
    if (this.signaling === signaling) this.releaseHeldSignals(signaling);
  }

  private listen(signaling: Signaling): void {
    signaling.attach({
      onMessage: (message) => {
        if (this.signaling === signaling) this.onMessage(message);
      },
      onError: (error) => {
        if (this.signaling === signaling) this.events.emit('error', error);
      },
      onClosed: (closed) => {
        if (this.signaling === signaling) this.onClosed(closed);
      },
    });
  }

  private onClosed(closed: SignalingClosed): void {
    this.signaling = null;
    if (this.leaving) return;
    if (closed.code === 1000 && closed.reason === 'left') {
      this.finish('left');
    } else if (closed.code === 1000 && closed.reason === RESUMED_ELSEWHERE) {
      // The session lives on in a newer connection: reconnecting would take it back from that one.
      this.finish(RESUMED_ELSEWHERE,
        new BifrostError('connection-lost', 'the server closed this connection: its session was resumed on another one', RESUMED_ELSEWHERE));
    } else if (closed.disconnect && !closed.disconnect.reconnect) {
      const reason = closed.disconnect.reason;
      this.finish(reason, new BifrostError('unavailable', `the server closed the connection (${reason}) and asked not to reconnect`, reason));
    } else {
      // The calls go on meanwhile: their media does not go through the server, and a resumed
      // session keeps them. A node that drains asked us to come back: at once, to another node.
      void this.reconnect(closed.error, closed.disconnect?.reconnect === true);
    }
  }

  private async reconnect(cause: BifrostError, promptly: boolean): Promise<void> {
    this.setState('reconnecting');
    const attempts = Math.max(0, Math.floor(this.policy.maxAttempts));
    if (attempts === 0) {
      this.finish('connection-lost', cause);
      return;
    }
    let last = cause;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const delay = attempt === 1 && promptly ? 0 : backoffDelay(attempt, this.policy);
      this.events.emit('reconnecting', attempt, delay);
      await this.sleep(delay);
      if (this.leaving) return;

      const validation = await this.validate();
      if (this.leaving) return;
      if (validation.kind === 'refused') {
        if (FINAL_REFUSALS.has(validation.error.code)) {
          this.finish('refused', validation.error);
          return;
        }
        last = validation.error; // unavailable: the node drains or the key source is down; later
        continue;
      }
      // 'unknown' too: /rtc/validate may be unreachable (CORS) while the websocket works.
      const signaling = this.newSignaling(this.resumePoint());
      this.trying = signaling;
      try {
        const start = await signaling.join();
        this.trying = null;
        if (this.leaving) {
          signaling.close(1000, 'left');
          return;
        }
        // After resume-failed the server sent a new participant's joined: a rejoin.
        if (start.type === 'resumed') this.resume(signaling, start);
        else this.adopt(signaling, start, true);
        return;
      } catch (e) {
        this.trying = null;
        if (this.leaving) return;
        last = e as BifrostError;
        if (FINAL_REFUSALS.has(last.code)) {
          this.finish('refused', last);
          return;
        }
      }
    }
    this.finish('reconnect-failed',
      new BifrostError('connection-lost', `gave up reconnecting after ${attempts} attempts: ${last.message}`, last.reason));
  }

  /**
   * The calls' way to the server. While reconnecting their signals wait: a resumed session sends
   * them on, so a negotiation or ICE restart begun meanwhile completes; a rejoin drops them with
   * the calls they belong to.
   */
  private sendSignal(mesh: Mesh, request: SignalRequest): Promise<unknown> {
    if (this.mesh !== mesh) return Promise.reject(new BifrostError('connection-lost', `${request.type} not sent: the call is over`));
    if (this.signaling) return this.signaling.request(request);
    if (this.heldSignals.length >= MAX_HELD_SIGNALS) {
      return Promise.reject(new BifrostError('connection-lost', `${request.type} not sent: too many signals while reconnecting`));
    }
    return new Promise((resolve, reject) => this.heldSignals.push({ request, resolve, reject }));
  }

  private releaseHeldSignals(signaling: Signaling): void {
    const held = this.heldSignals;
    this.heldSignals = [];
    for (const h of held) {
      if (this.mesh?.has(h.request.to)) signaling.request(h.request).then(h.resolve, h.reject);
      else h.reject(new BifrostError('connection-lost', `${h.request.type} not sent: ${h.request.to} left meanwhile`));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  /** The room is over: the one place that emits `disconnected`. */
  private finish(reason: DisconnectReason, error?: BifrostError): void {
    if (this.state === 'disconnected') return;
    this.closeMedia();
    this.dropLocalAudio();
    this.remotes.clear();
    this.setState('disconnected');
    this.events.emit('disconnected', reason, error);
  }

  private requireNotDisconnected(what: string): void {
    if (this.state === 'disconnected' || this.leaving) {
      throw new BifrostError('connection-lost', `cannot ${what}: the room is disconnected`);
    }
  }

  private async publish(local: LocalAudio, owned: boolean): Promise<void> {
    const previous = this.localAudio;
    if (previous && previous.track !== local.track && this.ownsLocalTrack) previous.track.stop();
    this.localAudio = local;
    this.ownsLocalTrack = owned;
    if (this.local.muted) local.track.enabled = false;
    await this.mesh?.setLocalAudio(local);
    try {
      await this.broadcast?.publish(local);
    } catch (e) {
      const error = asBifrostError(e, 'internal', 'publishing to the SFU');
      // While reconnecting the audio waits for the session: a resume publishes it again.
      if (error.code === 'connection-lost' && this.state === 'reconnecting') return;
      if (this.localAudio === local) this.dropLocalAudio();
      throw error;
    }
  }

  /** Forgets the published audio without telling anyone, stopping the microphone the SDK opened. */
  private dropLocalAudio(): void {
    if (this.localAudio && this.ownsLocalTrack) this.localAudio.track.stop();
    this.localAudio = null;
    this.ownsLocalTrack = false;
  }

  private async getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    if (this.options.getUserMedia) return this.options.getUserMedia(constraints);
    const devices = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
    if (!devices || typeof devices.getUserMedia !== 'function') {
      throw new BifrostError('unavailable', 'this page cannot use a microphone: getUserMedia needs https or localhost', 'no-media-devices');
    }
    return devices.getUserMedia(constraints);
  }

  /** A request of the app's, answered by the server; rejects with its refusal. */
  private request(body: RequestBody): Promise<RequestAnswer> {
    const signaling = this.signaling;
    if (this.state !== 'connected' || !signaling) {
      return Promise.reject(new BifrostError('connection-lost', `cannot send ${body.type} while ${this.state}`));
    }
    return signaling.request(body);
  }

  /**
   * Broadcast rooms: your audio follows your role. A host or speaker publishes (the audio it
   * had, or the microphone with `autoPublish`); a listener does not.
   */
  private followRole(): void {
    const broadcast = this.broadcast;
    if (!broadcast) return;
    if (!maySpeak(this.local.role)) {
      void broadcast.publish(null);
      this.dropLocalAudio();
    } else if (this.localAudio) {
      broadcast.publish(this.localAudio).catch((e: unknown) => this.reportPublishing(e));
    } else if (this.options.autoPublish ?? true) {
      this.publishMicrophone(this.microphoneConstraints).catch((e: unknown) => this.reportPublishing(e));
    }
  }

  private reportPublishing(e: unknown): void {
    const error = asBifrostError(e, 'unavailable', 'publishing the microphone');
    if (this.state !== 'disconnected' && error.code !== 'connection-lost') this.events.emit('error', error);
  }

  /**
   * What the room decided about you: a host's mute disables the microphone track and unmuting
   * enables it again; in broadcast rooms a promotion publishes and a demotion stops publishing.
   */
  private followSelf(before: LocalParticipant): void {
    if (before.muted !== this.local.muted && this.localAudio) this.localAudio.track.enabled = !this.local.muted;
    if (maySpeak(before.role) !== maySpeak(this.local.role)) this.followRole();
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.emit('connectionStateChanged', state);
  }

  // ------------------------------------------------------------------------------ room events

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'participant-joined': {
        if (!this.acceptSeq(message.seq)) return;
        const info = message.participant;
        if (this.isSelf(info.id) || this.remotes.has(info.id) || !this.isListed(info)) return;
        this.addParticipant(info);
        return;
      }
      case 'participant-left': {
        if (!this.acceptSeq(message.seq)) return;
        this.mesh?.remove(message.participantId);
        const participant = this.remotes.get(message.participantId);
        if (!participant) return;
        this.remotes.delete(message.participantId);
        this.unsubscribe(participant);
        this.events.emit('participantLeft', participant, message.reason);
        return;
      }
      case 'chat': {
        if (!this.acceptSeq(message.seq)) return;
        const chat: ChatMessage = { from: message.from, text: message.text, seq: message.seq, ts: message.ts };
        const participant = message.from === this.local.id ? this.local : this.remotes.get(message.from);
        if (participant) chat.participant = participant;
        this.events.emit('chat', chat);
        return;
      }
      case 'participant-updated':
        if (this.acceptSeq(message.seq)) this.onParticipantUpdated(message);
        return;
      case 'message':
        this.events.emit('message', { from: message.from, text: message.text, ts: message.ts });
        return;
      case 'listeners':
        this.onListeners(message.count, message.listed);
        return;
      case 'offer':
      case 'answer':
      case 'candidate':
        if (message.from === SFU) this.broadcast?.handleSignal(message);
        else if (!this.pastIds.has(message.from)) this.mesh?.handleSignal(message);
        return;
      case 'sfu-reset':
        this.broadcast?.republish();
        return;
      case 'token':
        this.currentToken = message.token;
        this.events.emit('tokenRefreshed', message.token, message.expiresAt);
        return;
      default:
        return; // joined, resumed, ack, pong, error and disconnect are the Signaling's
    }
  }

  private onParticipantUpdated(message: ParticipantUpdatedFrame): void {
    const info = message.participant;
    if (info.id === this.local.id) {
      const before = this.local;
      this.local = Object.freeze({ ...info });
      this.followSelf(before);
      this.events.emit('participantUpdated', this.local, message.change);
      return;
    }
    const participant = this.remotes.get(info.id);
    if (!participant) {
      // Hidden, one of our own earlier sessions, or in a large audience a listener we did not
      // list: one who raised its hand or was promoted is listed from now on.
      if (this.isSelf(info.id) || !this.isListed(info)) return;
      const added = this.addParticipant(info);
      this.events.emit('participantUpdated', added, message.change);
      return;
    }
    participant.update(info);
    this.events.emit('participantUpdated', participant, message.change);
    if (!this.isListed(info)) this.unlist(participant); // lowered its hand, or was demoted
  }

  /** A participant the room lists from now on: announced, and given a track that came first. */
  private addParticipant(info: ParticipantInfo): RemoteParticipant {
    const participant = this.newParticipant(info);
    this.remotes.set(info.id, participant);
    // No peer yet: the newcomer offers to everyone it finds in `joined`, and our peer is
    // created by that offer. One side offering avoids glare on every join.
    this.events.emit('participantJoined', participant);
    // Their offer may have come first: a track already there is announced now.
    const track = this.mesh?.receivedTrack(info.id);
    if (track) this.subscribe(participant, track);
    return participant;
  }

  /**
   * Broadcast rooms: the server's listener count. The first `listed: false` makes the room a
   * large audience for the rest of the session: the listeners whose hand is down leave the list.
   */
  private onListeners(count: number, listed: boolean): void {
    if (this.roomMode !== 'broadcast') return; // mesh rooms have no audience
    this.listeners = count;
    if (!listed && this.listed) {
      this.listed = false;
      for (const participant of Array.from(this.remotes.values())) {
        if (!this.isListed(participant)) this.unlist(participant);
      }
    }
    this.events.emit('listeners', this.listeners, this.listed);
  }

  /**
   * Whether the room lists a participant: everyone, except in a large audience the listeners
   * whose hand is down. A listener is whoever may not speak, as for our own publishing.
   */
  private isListed(p: { role: string; handRaised: boolean }): boolean {
    return this.listed || maySpeak(p.role) || p.handRaised;
  }

  /** Still in the room, no longer in the list. A listener has no audio; any track is let go. */
  private unlist(participant: RemoteParticipant): void {
    if (this.remotes.get(participant.id) !== participant) return;
    this.remotes.delete(participant.id);
    this.unsubscribe(participant);
    this.events.emit('participantLeft', participant, 'unlisted');
  }

  /**
   * Room events carry the room's sequence number; one we have applied already is a duplicate
   * (a resume may replay a few from before the drop).
   */
  private acceptSeq(seq: number): boolean {
    if (seq <= this.lastSeq) return false;
    this.lastSeq = seq;
    return true;
  }

  private isSelf(id: string): boolean {
    return id === this.local.id || this.pastIds.has(id);
  }

  private newParticipant(info: ParticipantInfo): RemoteParticipant {
    return new RemoteParticipant(info, () => this.participantStats(info.id));
  }

  private async participantStats(id: string): Promise<AudioStats> {
    const stats = this.broadcast ? await this.broadcast.audioStats() : await (this.mesh?.audioStats(id) ?? NO_AUDIO_STATS);
    return participantAudioStats(stats, id);
  }

  /** The participant a broadcast stream belongs to: the one whose id its msid carries. */
  private ownerOf(labels: readonly string[]): string | undefined {
    for (const id of this.remotes.keys()) if (labels.some((label) => label.includes(id))) return id;
    return undefined;
  }

  /** Broadcast audio plays at once, as the room expects; `attach()` moves it into an element of the app's. */
  private onBroadcastTrack(track: MediaStreamTrack, participantId: string | undefined): void {
    const participant = participantId === undefined ? undefined : this.remotes.get(participantId);
    if (!participant) {
      if (!this.unattributed.has(track)) this.unattributed.set(track, playTrack(track));
      return;
    }
    this.subscribe(participant, track);
    participant.playUntilAttached();
  }

  private onBroadcastTrackEnded(track: MediaStreamTrack, participantId: string | undefined): void {
    if (this.unattributed.has(track)) {
      const el = this.unattributed.get(track);
      this.unattributed.delete(track);
      if (el) stopPlaying(el);
    }
    const participant = participantId === undefined ? undefined : this.remotes.get(participantId);
    if (participant && participant.audioTrack === track) this.unsubscribe(participant);
  }

  /** The SFU's way to the server. Nothing waits for a reconnect: a resumed session publishes anew. */
  private sendToSfu(broadcast: Broadcast, request: RequestBody): Promise<RequestAnswer> {
    if (this.broadcast !== broadcast || !this.signaling) {
      return Promise.reject(new BifrostError('connection-lost', `${request.type} not sent: not connected`));
    }
    return this.signaling.request(request);
  }

  private onTrack(mesh: Mesh, id: string, track: MediaStreamTrack): void {
    if (this.mesh !== mesh) return;
    const participant = this.remotes.get(id);
    if (participant) this.subscribe(participant, track); // otherwise announced when they join
  }

  private onTrackEnded(mesh: Mesh, id: string, track: MediaStreamTrack): void {
    const participant = this.remotes.get(id);
    if (this.mesh === mesh && participant && participant.audioTrack === track) this.unsubscribe(participant);
  }

  private subscribe(participant: RemoteParticipant, track: MediaStreamTrack): void {
    if (participant.audioTrack === track) return;
    this.unsubscribe(participant);
    participant.setAudioTrack(track);
    this.events.emit('trackSubscribed', track, participant);
  }

  private unsubscribe(participant: RemoteParticipant): void {
    const track = participant.audioTrack;
    if (!track) return;
    participant.setAudioTrack(undefined);
    this.events.emit('trackUnsubscribed', track, participant);
  }

  /** Ends every call and SFU connection; their tracks are unsubscribed (a rejoin brings new ones). */
  private closeMedia(): void {
    const mesh = this.mesh;
    this.mesh = null;
    mesh?.close();
    const broadcast = this.broadcast;
    this.broadcast = null;
    broadcast?.close();
    for (const el of this.unattributed.values()) if (el) stopPlaying(el);
    this.unattributed.clear();
    const held = this.heldSignals;
    this.heldSignals = [];
    for (const h of held) h.reject(new BifrostError('connection-lost', `${h.request.type} not sent: the call is over`));
    for (const participant of this.remotes.values()) this.unsubscribe(participant);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
