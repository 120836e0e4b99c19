/**
 * Bifrost wire protocol v1 (docs/protocol.md): the message types and a JSON codec for both
 * directions. The client side of the codec mirrors the server's validation exactly (the shared
 * vectors in docs/protocol/vectors check both); decoding a server frame checks the fields the
 * SDK relies on and ignores fields it does not know, so newer servers can add some.
 */
import { ProtocolError, isServerErrorCode, type ServerErrorCode } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** Request ids are echoed back by the server, which refuses longer ones. */
export const MAX_ID_LENGTH = 64;
/** In UTF-16 code units (JavaScript's `length`), as the server counts. */
export const MAX_CHAT_LENGTH = 4096;
/** Participant ids are 14 characters; the server refuses a `to` longer than this. */
const MAX_PARTICIPANT_ID_LENGTH = 64;
/** The server's JSON parser refuses deeper nesting (an object holding an object is depth 2). */
const MAX_NESTING_DEPTH = 16;
/** Echoed values in error messages stay short whatever the frame held. */
const MAX_ECHO_LENGTH = 32;

// ------------------------------------------------------------------------------ shared shapes

/** A participant as the server describes it. `role` is `host`, `speaker` or `listener` in v1. */
export interface ParticipantInfo {
  id: string;
  identity: string;
  name: string;
  role: string;
  metadata: string;
  /** Asks to speak (a listener's raised hand). */
  handRaised: boolean;
  /** A host muted it: its audio does not reach the room. */
  muted: boolean;
  /** Broadcast rooms: its audio is published to the room's SFU. */
  publishing: boolean;
}

/**
 * How a room carries audio, fixed when the room was created: `mesh` (a call between every two
 * participants) or `broadcast` (speakers publish to an SFU, everyone receives from it).
 */
export type RoomMode = 'mesh' | 'broadcast';
export const ROOM_MODES: readonly RoomMode[] = ['mesh', 'broadcast'];

/** The reserved participant id of the room's SFU in broadcast rooms: signals to and from it use it. */
export const SFU = 'sfu';
/** Which of a participant's two SFU connections a signal belongs to. */
export type SfuTarget = 'publisher' | 'subscriber';
const SFU_TARGETS: readonly SfuTarget[] = ['publisher', 'subscriber'];

/** What a `participant-updated` event changed; a newer server may add others. */
export type ParticipantChange = 'hand' | 'role' | 'mute' | 'publishing' | 'permissions' | 'metadata' | (string & {});

/** The shape of `RTCIceServer`: can be passed to `RTCPeerConnection` as is. */
export interface IceServerInfo {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** An `RTCIceCandidateInit`, relayed as the sender wrote it (unknown fields included). */
export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
  [field: string]: unknown;
}

// ------------------------------------------------------------------------------ client -> server

export interface OfferRequest { type: 'offer'; id?: string; to: string; sdp: string }
export interface AnswerRequest { type: 'answer'; id?: string; to: string; sdp: string }
/** `candidate: null` is end-of-candidates. `target` is required, and only sent, when `to` is the SFU. */
export interface CandidateRequest { type: 'candidate'; id?: string; to: string; target?: SfuTarget; candidate: IceCandidate | null }
export interface ChatRequest { type: 'chat'; id?: string; text: string }
export interface PingRequest { type: 'ping'; id?: string }
export interface LeaveRequest { type: 'leave'; id?: string }
export interface RaiseHandRequest { type: 'raise-hand'; id?: string }
export interface LowerHandRequest { type: 'lower-hand'; id?: string }
/** Host only: makes a listener a speaker. */
export interface PromoteRequest { type: 'promote'; id?: string; participantId: string }
/** Host only: makes a speaker a listener. */
export interface DemoteRequest { type: 'demote'; id?: string; participantId: string }
/** Host only: `muted: false` unmutes. */
export interface MuteRequest { type: 'mute'; id?: string; participantId: string; muted: boolean }
/** Broadcast rooms: stops publishing to the SFU. */
export interface UnpublishRequest { type: 'unpublish'; id?: string }

export type ClientMessage =
  | OfferRequest
  | AnswerRequest
  | CandidateRequest
  | ChatRequest
  | PingRequest
  | LeaveRequest
  | RaiseHandRequest
  | LowerHandRequest
  | PromoteRequest
  | DemoteRequest
  | MuteRequest
  | UnpublishRequest;
export type ClientMessageType = ClientMessage['type'];

// ------------------------------------------------------------------------------ server -> client

export interface JoinedFrame {
  type: 'joined';
  protocol: number;
  room: string;
  mode: RoomMode;
  sessionId: string;
  participant: ParticipantInfo;
  participants: ParticipantInfo[];
  iceServers: IceServerInfo[];
  pingInterval: number;
  pingTimeout: number;
  seq: number;
}
/**
 * The first frame of a connection that resumed its session (`session` and `lastSeq` in the
 * connect query): the same session and participant as before the drop. `seq` echoes `lastSeq`;
 * the room events after it and the signals held for the participant follow.
 */
export interface ResumedFrame {
  type: 'resumed';
  protocol: number;
  room: string;
  mode: RoomMode;
  sessionId: string;
  participant: ParticipantInfo;
  iceServers: IceServerInfo[];
  pingInterval: number;
  pingTimeout: number;
  seq: number;
}
export interface ParticipantJoinedFrame { type: 'participant-joined'; seq: number; participant: ParticipantInfo }
/**
 * `reason`: `left`, `disconnected`, `timeout`, `slow-consumer`, `server-shutdown` or
 * `node-failure` in v1.
 */
export interface ParticipantLeftFrame { type: 'participant-left'; seq: number; participantId: string; reason: string }
/**
 * A participant's state changed; `participant` is its whole new state. In v1 `change` is
 * `hand`, `role`, `mute` or `publishing`.
 */
export interface ParticipantUpdatedFrame { type: 'participant-updated'; seq: number; participant: ParticipantInfo; change: ParticipantChange }
/**
 * Signals relayed from another participant, or from the SFU (`from: "sfu"`, with `target`): the
 * SFU's answer to a publisher offer carries that offer's `id`.
 */
export interface OfferFrame { type: 'offer'; id?: string; from: string; target?: SfuTarget; sdp: string }
export interface AnswerFrame { type: 'answer'; id?: string; from: string; target?: SfuTarget; sdp: string }
export interface CandidateFrame { type: 'candidate'; id?: string; from: string; target?: SfuTarget; candidate: IceCandidate | null }
/**
 * Broadcast rooms: how many listeners (participants who may not publish) the room has. Sent
 * after `joined` and `resumed`, then whenever the count changed (at most about once a second);
 * not a room event, so it has no `seq`. `listed: false` makes the room a large audience: the
 * joins and leaves of listeners whose hand is down are no longer announced, and stay so for the
 * rest of the session.
 */
export interface ListenersFrame { type: 'listeners'; count: number; listed: boolean }
/** Broadcast rooms: the SFU lost this participant's publisher; publish again with a new offer. */
export interface SfuResetFrame { type: 'sfu-reset'; target: SfuTarget; reason: string }
export interface ChatFrame { type: 'chat'; seq: number; from: string; text: string; ts: number }
/** From the app's backend (REST API) to this participant only; no room event, so no `seq`. `from` is `server`. */
export interface MessageFrame { type: 'message'; from: string; text: string; ts: number }
export interface AckFrame { type: 'ack'; id?: string; seq?: number }
export interface PongFrame { type: 'pong'; id?: string }
export interface ErrorFrame { type: 'error'; id?: string; code: ServerErrorCode; message: string }
export interface DisconnectFrame { type: 'disconnect'; reason: string; reconnect: boolean }
/**
 * A fresh join token for this participant, sent before the current one expires; reconnect with
 * it from now on. `expiresAt` is its `exp` in milliseconds since the Unix epoch.
 */
export interface TokenFrame { type: 'token'; token: string; expiresAt: number }

export type SignalFrame = OfferFrame | AnswerFrame | CandidateFrame;
export type ServerMessage =
  | JoinedFrame
  | ResumedFrame
  | ParticipantJoinedFrame
  | ParticipantLeftFrame
  | ParticipantUpdatedFrame
  | ListenersFrame
  | SignalFrame
  | SfuResetFrame
  | ChatFrame
  | MessageFrame
  | AckFrame
  | PongFrame
  | ErrorFrame
  | DisconnectFrame
  | TokenFrame;
export type ServerMessageType = ServerMessage['type'];

export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = [
  'offer', 'answer', 'candidate', 'chat', 'ping', 'leave', 'raise-hand', 'lower-hand', 'promote', 'demote', 'mute', 'unpublish',
];
export const SERVER_MESSAGE_TYPES: readonly ServerMessageType[] = [
  'joined', 'resumed', 'participant-joined', 'participant-left', 'participant-updated', 'listeners', 'offer', 'answer',
  'candidate', 'sfu-reset', 'chat', 'message', 'ack', 'pong', 'error', 'disconnect', 'token',
];

// ------------------------------------------------------------------------------ client codec

type JsonObject = { [field: string]: unknown };

/**
 * Decodes a client frame as the server does. Throws a {@link ProtocolError} (code `bad-request`,
 * with the `id` the server would echo) for anything the server would refuse.
 */
export function decodeClient(text: string): ClientMessage {
  const root = parseObject(text);
  const id = optionalId(root);
  const type = requiredString(root, 'type', id);
  switch (type) {
    case 'offer':
    case 'answer':
      return withId({ type, to: target(root, id), sdp: requiredString(root, 'sdp', id) }, id);
    case 'candidate': {
      const to = target(root, id);
      const sfu = to === SFU ? sfuTarget(root, id) : undefined; // checked first, as the server does
      const candidate = candidateField(root, id, 'candidate');
      return withId(sfu ? { type, to, target: sfu, candidate } : { type, to, candidate }, id);
    }
    case 'chat':
      return withId({ type, text: chatText(root, id) }, id);
    case 'promote':
    case 'demote':
      return withId({ type, participantId: participantId(root, id) }, id);
    case 'mute':
      return withId({ type, participantId: participantId(root, id), muted: optionalBoolean(root, 'muted', true, id) }, id);
    case 'ping':
    case 'leave':
    case 'raise-hand':
    case 'lower-hand':
    case 'unpublish':
      return withId({ type }, id);
    default:
      throw new ProtocolError(`unknown message type '${abbreviate(type)}'`, id);
  }
}

/** Encodes a client message; fields in the documented order, `id` only when set. */
export function encodeClient(message: ClientMessage): string {
  const out: JsonObject = { type: message.type };
  if (message.id !== undefined) out.id = message.id;
  switch (message.type) {
    case 'offer':
    case 'answer':
      out.to = message.to;
      out.sdp = message.sdp;
      break;
    case 'candidate':
      out.to = message.to;
      if (message.target !== undefined) out.target = message.target;
      out.candidate = message.candidate;
      break;
    case 'chat':
      out.text = message.text;
      break;
    case 'promote':
    case 'demote':
      out.participantId = message.participantId;
      break;
    case 'mute':
      out.participantId = message.participantId;
      out.muted = message.muted;
      break;
    case 'ping':
    case 'leave':
    case 'raise-hand':
    case 'lower-hand':
    case 'unpublish':
      break;
  }
  return JSON.stringify(out);
}

/**
 * The top-level `id` of a frame, read as far as the frame is well-formed, as the server does to
 * answer a malformed frame: a valid id read before the error counts, one after it does not.
 */
export function peekId(text: string): string | undefined {
  try {
    return new Scanner(text).topLevelId();
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------ server codec

/**
 * Decodes a server frame. Unknown fields are ignored. Throws a {@link ProtocolError} for a frame
 * that is not a JSON object, has an unknown `type` (see {@link isKnownServerType}), lacks a field
 * the SDK needs, or carries an error `code` that protocol v1 does not define.
 */
export function decodeServer(text: string): ServerMessage {
  const root = parseObject(text);
  const type = requiredString(root, 'type', undefined);
  switch (type) {
    case 'joined':
      return {
        type,
        protocol: number(root, 'protocol'),
        room: requiredString(root, 'room', undefined),
        mode: roomMode(root),
        sessionId: requiredString(root, 'sessionId', undefined),
        participant: participant(root.participant, 'participant'),
        participants: array(root, 'participants').map((p, i) => participant(p, `participants[${i}]`)),
        iceServers: array(root, 'iceServers').map((s, i) => iceServer(s, `iceServers[${i}]`)),
        pingInterval: number(root, 'pingInterval'),
        pingTimeout: number(root, 'pingTimeout'),
        seq: number(root, 'seq'),
      };
    case 'resumed':
      return {
        type,
        protocol: number(root, 'protocol'),
        room: requiredString(root, 'room', undefined),
        mode: roomMode(root),
        sessionId: requiredString(root, 'sessionId', undefined),
        participant: participant(root.participant, 'participant'),
        iceServers: array(root, 'iceServers').map((s, i) => iceServer(s, `iceServers[${i}]`)),
        pingInterval: number(root, 'pingInterval'),
        pingTimeout: number(root, 'pingTimeout'),
        seq: number(root, 'seq'),
      };
    case 'participant-joined':
      return { type, seq: number(root, 'seq'), participant: participant(root.participant, 'participant') };
    case 'participant-left':
      return {
        type,
        seq: number(root, 'seq'),
        participantId: requiredString(root, 'participantId', undefined),
        reason: requiredString(root, 'reason', undefined),
      };
    case 'participant-updated':
      return {
        type,
        seq: number(root, 'seq'),
        participant: participant(root.participant, 'participant'),
        change: requiredString(root, 'change', undefined),
      };
    case 'listeners':
      return { type, count: count(root, 'count'), listed: requiredBoolean(root, 'listed') };
    case 'offer':
    case 'answer':
      return fromSfu(root, { type, from: requiredString(root, 'from', undefined), sdp: requiredString(root, 'sdp', undefined) });
    case 'candidate':
      return fromSfu(root, { type, from: requiredString(root, 'from', undefined), candidate: candidateField(root, undefined, 'candidate') });
    case 'sfu-reset':
      return { type, target: sfuTarget(root, undefined), reason: optionalString(root, 'reason') ?? '' };
    case 'chat':
      return {
        type,
        seq: number(root, 'seq'),
        from: requiredString(root, 'from', undefined),
        text: requiredString(root, 'text', undefined),
        ts: number(root, 'ts'),
      };
    case 'message':
      return { type, from: requiredString(root, 'from', undefined), text: requiredString(root, 'text', undefined), ts: number(root, 'ts') };
    case 'ack': {
      const ack: AckFrame = withId({ type }, optionalString(root, 'id'));
      if (root.seq !== undefined && root.seq !== null) ack.seq = number(root, 'seq');
      return ack;
    }
    case 'pong':
      return withId({ type }, optionalString(root, 'id'));
    case 'error': {
      const code = requiredString(root, 'code', undefined);
      if (!isServerErrorCode(code)) throw new ProtocolError(`error: unknown error code '${abbreviate(code)}'`);
      return withId({ type, code, message: optionalString(root, 'message') ?? '' }, optionalString(root, 'id'));
    }
    case 'disconnect':
      return { type, reason: requiredString(root, 'reason', undefined), reconnect: root.reconnect === true };
    case 'token':
      return { type, token: requiredString(root, 'token', undefined), expiresAt: number(root, 'expiresAt') };
    default:
      throw new ProtocolError(`unknown message type '${abbreviate(type)}'`);
  }
}

/** Encodes a server message, fields in the order the server writes them. */
export function encodeServer(message: ServerMessage): string {
  const out: JsonObject = { type: message.type };
  switch (message.type) {
    case 'joined':
    case 'resumed':
      out.protocol = message.protocol;
      out.room = message.room;
      out.mode = message.mode;
      out.sessionId = message.sessionId;
      out.participant = participantJson(message.participant);
      if (message.type === 'joined') out.participants = message.participants.map(participantJson);
      out.iceServers = message.iceServers.map(iceServerJson);
      out.pingInterval = message.pingInterval;
      out.pingTimeout = message.pingTimeout;
      out.seq = message.seq;
      break;
    case 'participant-joined':
      out.seq = message.seq;
      out.participant = participantJson(message.participant);
      break;
    case 'participant-left':
      out.seq = message.seq;
      out.participantId = message.participantId;
      out.reason = message.reason;
      break;
    case 'participant-updated':
      out.seq = message.seq;
      out.participant = participantJson(message.participant);
      out.change = message.change;
      break;
    case 'listeners':
      out.count = message.count;
      out.listed = message.listed;
      break;
    case 'offer':
    case 'answer':
    case 'candidate':
      if (message.id !== undefined) out.id = message.id;
      out.from = message.from;
      if (message.target !== undefined) out.target = message.target;
      if (message.type === 'candidate') out.candidate = message.candidate;
      else out.sdp = message.sdp;
      break;
    case 'sfu-reset':
      out.target = message.target;
      out.reason = message.reason;
      break;
    case 'chat':
      out.seq = message.seq;
      out.from = message.from;
      out.text = message.text;
      out.ts = message.ts;
      break;
    case 'message':
      out.from = message.from;
      out.text = message.text;
      out.ts = message.ts;
      break;
    case 'ack':
      if (message.id !== undefined) out.id = message.id;
      if (message.seq !== undefined) out.seq = message.seq;
      break;
    case 'pong':
      if (message.id !== undefined) out.id = message.id;
      break;
    case 'error':
      if (message.id !== undefined) out.id = message.id;
      out.code = message.code;
      out.message = message.message;
      break;
    case 'disconnect':
      out.reason = message.reason;
      out.reconnect = message.reconnect;
      break;
    case 'token':
      out.token = message.token;
      out.expiresAt = message.expiresAt;
      break;
  }
  return JSON.stringify(out);
}

/** Whether a frame's `type` is one protocol v1 defines; frames of other types are skipped. */
export function isKnownServerType(type: unknown): type is ServerMessageType {
  return typeof type === 'string' && (SERVER_MESSAGE_TYPES as readonly string[]).includes(type);
}

// ------------------------------------------------------------------------------ helpers

function withId<T extends object>(message: T, id: string | undefined): T & { id?: string } {
  return id === undefined ? message : { ...message, id };
}

function hasOwn(object: JsonObject, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, field);
}

function parseObject(text: string): JsonObject {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`malformed JSON: ${e instanceof Error ? e.message : String(e)}`, peekId(text));
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new ProtocolError('a message must be a JSON object');
  }
  if (nestingDepth(root, 1) > MAX_NESTING_DEPTH) {
    throw new ProtocolError(`malformed JSON: nested deeper than ${MAX_NESTING_DEPTH} levels`, peekId(text));
  }
  return root as JsonObject;
}

/** The depth of the deepest object or array, stopping as soon as it passes the limit. */
function nestingDepth(value: unknown, depth: number): number {
  if (depth > MAX_NESTING_DEPTH) return depth;
  let deepest = depth;
  const children = Array.isArray(value) ? value : Object.values(value as JsonObject);
  for (const child of children) {
    if (child !== null && typeof child === 'object') {
      deepest = Math.max(deepest, nestingDepth(child, depth + 1));
      if (deepest > MAX_NESTING_DEPTH) break;
    }
  }
  return deepest;
}

function optionalId(root: JsonObject): string | undefined {
  const id = root.id;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new ProtocolError(`'id' must be a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  return id;
}

function messageType(root: JsonObject): string {
  return typeof root.type === 'string' ? `${abbreviate(root.type)}: ` : '';
}

function requiredString(root: JsonObject, field: string, id: string | undefined, maxLength = Infinity): string {
  const value = root[field];
  if (value === undefined || value === null) {
    throw new ProtocolError(`${messageType(root)}missing field '${field}'`, id);
  }
  if (typeof value !== 'string') {
    throw new ProtocolError(`${messageType(root)}field '${field}' must be a string`, id);
  }
  if (value.length > maxLength) {
    throw new ProtocolError(`${messageType(root)}field '${field}' is longer than ${maxLength} characters`, id);
  }
  return value;
}

function optionalString(root: JsonObject, field: string): string | undefined {
  const value = root[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProtocolError(`${messageType(root)}field '${field}' must be a string`);
  return value;
}

function number(root: JsonObject, field: string): number {
  const value = root[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ProtocolError(`${messageType(root)}field '${field}' must be a number`);
  }
  return value;
}

/** A number of things: a whole number, not negative. */
function count(root: JsonObject, field: string): number {
  const value = number(root, field);
  if (!Number.isInteger(value) || value < 0) {
    throw new ProtocolError(`${messageType(root)}field '${field}' must be a whole number, not negative`);
  }
  return value;
}

function requiredBoolean(root: JsonObject, field: string): boolean {
  const value = root[field];
  if (typeof value !== 'boolean') throw new ProtocolError(`${messageType(root)}field '${field}' must be true or false`);
  return value;
}

function array(root: JsonObject, field: string): unknown[] {
  const value = root[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ProtocolError(`${messageType(root)}field '${field}' must be an array`);
  return value;
}

function target(root: JsonObject, id: string | undefined): string {
  return requiredString(root, 'to', id, MAX_PARTICIPANT_ID_LENGTH);
}

function participantId(root: JsonObject, id: string | undefined): string {
  return requiredString(root, 'participantId', id, MAX_PARTICIPANT_ID_LENGTH);
}

function sfuTarget(root: JsonObject, id: string | undefined): SfuTarget {
  const value = requiredString(root, 'target', id, MAX_PARTICIPANT_ID_LENGTH);
  if (!(SFU_TARGETS as readonly string[]).includes(value)) {
    throw new ProtocolError(`${messageType(root)}field 'target' must be 'publisher' or 'subscriber' for the sfu`, id);
  }
  return value as SfuTarget;
}

function optionalBoolean(root: JsonObject, field: string, fallback: boolean, id: string | undefined): boolean {
  const value = root[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ProtocolError(`${messageType(root)}field '${field}' must be true or false`, id);
  return value;
}

/** Servers from before broadcast rooms send no mode: their rooms are meshes. */
function roomMode(root: JsonObject): RoomMode {
  const mode = optionalString(root, 'mode') ?? 'mesh';
  if (!(ROOM_MODES as readonly string[]).includes(mode)) {
    throw new ProtocolError(`${messageType(root)}unknown room mode '${abbreviate(mode)}'`);
  }
  return mode as RoomMode;
}

/** The SFU's signals say which connection they belong to, and its answer to a publisher offer carries the offer's id. */
function fromSfu<T extends SignalFrame>(root: JsonObject, signal: T): T {
  if (signal.from !== SFU) return signal;
  const out: T = withId(signal, optionalString(root, 'id'));
  out.target = sfuTarget(root, undefined);
  return out;
}

function chatText(root: JsonObject, id: string | undefined): string {
  const text = requiredString(root, 'text', id, MAX_CHAT_LENGTH);
  if (text.length === 0) throw new ProtocolError("chat: field 'text' must not be empty", id);
  return text;
}

function candidateField(root: JsonObject, id: string | undefined, field: string): IceCandidate | null {
  if (!hasOwn(root, field)) {
    throw new ProtocolError(`candidate: missing field '${field}' (use null for end-of-candidates)`, id);
  }
  const value = root[field];
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || typeof (value as JsonObject).candidate !== 'string') {
    throw new ProtocolError(`candidate: field '${field}' must be an RTCIceCandidateInit object or null`, id);
  }
  return value as IceCandidate;
}

function participant(value: unknown, where: string): ParticipantInfo {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(`'${where}' must be a participant object`);
  }
  const p = value as JsonObject;
  const id = p.id;
  if (typeof id !== 'string' || id.length === 0) throw new ProtocolError(`'${where}.id' must be a string`);
  const text = (field: string): string => {
    const v = p[field];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new ProtocolError(`'${where}.${field}' must be a string`);
    return v;
  };
  // Servers from before broadcast rooms send none of the flags: all false there.
  const flag = (field: string): boolean => {
    const v = p[field];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new ProtocolError(`'${where}.${field}' must be true or false`);
    return v;
  };
  return {
    id,
    identity: text('identity'),
    name: text('name'),
    role: text('role'),
    metadata: text('metadata'),
    handRaised: flag('handRaised'),
    muted: flag('muted'),
    publishing: flag('publishing'),
  };
}

function participantJson(p: ParticipantInfo): JsonObject {
  return {
    id: p.id,
    identity: p.identity,
    name: p.name,
    role: p.role,
    metadata: p.metadata,
    handRaised: p.handRaised,
    muted: p.muted,
    publishing: p.publishing,
  };
}

function iceServerJson(s: IceServerInfo): JsonObject {
  const server: JsonObject = { urls: s.urls };
  if (s.username !== undefined) server.username = s.username;
  if (s.credential !== undefined) server.credential = s.credential;
  return server;
}

function iceServer(value: unknown, where: string): IceServerInfo {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(`'${where}' must be an ICE server object`);
  }
  const s = value as JsonObject;
  const urls = s.urls;
  const validUrls = typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'));
  if (!validUrls) throw new ProtocolError(`'${where}.urls' must be a string or an array of strings`);
  const server: IceServerInfo = { urls: urls as string | string[] };
  if (typeof s.username === 'string') server.username = s.username;
  if (typeof s.credential === 'string') server.credential = s.credential;
  return server;
}

/** Echoing input into an error message: bounded, and never splitting a surrogate pair. */
function abbreviate(value: string): string {
  if (value.length <= MAX_ECHO_LENGTH) return value;
  const code = value.charCodeAt(MAX_ECHO_LENGTH - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? MAX_ECHO_LENGTH - 1 : MAX_ECHO_LENGTH;
  return `${value.slice(0, end)}…`;
}

/**
 * Just enough of a streaming JSON reader to find the top-level `id` of a frame that may be
 * malformed after it. Any syntax error throws; {@link peekId} turns that into "no id".
 */
class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  topLevelId(): string | undefined {
    this.skipSpace();
    if (this.next() !== '{') return undefined;
    this.skipSpace();
    if (this.peek() === '}') return undefined;
    for (;;) {
      this.skipSpace();
      const field = this.string();
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      if (field === 'id') {
        if (this.peek() !== '"') return undefined;
        const id = this.string();
        return id.length > 0 && id.length <= MAX_ID_LENGTH ? id : undefined;
      }
      this.skipValue(1);
      this.skipSpace();
      if (this.next() !== ',') return undefined; // '}' ends the object; anything else is malformed
    }
  }

  private peek(): string {
    if (this.pos >= this.text.length) throw new Error('end of input');
    return this.text[this.pos];
  }

  private next(): string {
    const c = this.peek();
    this.pos++;
    return c;
  }

  private expect(c: string): void {
    if (this.next() !== c) throw new Error(`expected ${c}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos])) this.pos++;
  }

  private string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.next();
      if (c === '"') return out;
      if (c < ' ') throw new Error('control character in a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.next();
      const simple: { [k: string]: string } = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) {
        out += simple[e];
      } else if (e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error('bad unicode escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
      } else {
        throw new Error('bad escape');
      }
    }
  }

  private skipValue(depth: number): void {
    const c = this.peek();
    if (c === '"') {
      this.string();
    } else if (c === '{' || c === '[') {
      if (depth + 1 > MAX_NESTING_DEPTH) throw new Error('nested too deeply');
      const close = c === '{' ? '}' : ']';
      this.pos++;
      this.skipSpace();
      if (this.peek() === close) {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipSpace();
        if (c === '{') {
          this.string();
          this.skipSpace();
          this.expect(':');
          this.skipSpace();
        }
        this.skipValue(depth + 1);
        this.skipSpace();
        const sep = this.next();
        if (sep === close) return;
        if (sep !== ',') throw new Error('expected , or ' + close);
      }
    } else {
      const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.pos, this.pos + 64));
      if (!literal) throw new Error('unexpected character');
      this.pos += literal[0].length;
    }
  }
}
