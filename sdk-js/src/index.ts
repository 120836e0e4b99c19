/**
 * @bifrost/client: the browser SDK of Bifrost live audio rooms.
 *
 * ```ts
 * import { connect } from '@bifrost/client';
 * const room = await connect('https://bifrost.example.org', token);
 * room.on('trackSubscribed', (track, participant) => document.body.append(participant.attach()));
 * await room.publishMicrophone(); // broadcast rooms publish a host's or speaker's microphone by themselves
 * ```
 */
export { connect, Room } from './room.js';
export type { ChatMessage, ConnectOptions, DirectMessage, ConnectionState, DisconnectReason, ReconnectOutcome, RoomEvents } from './room.js';
export { RemoteParticipant } from './participant.js';
export type { LocalParticipant } from './participant.js';
export type { AudioStats, ReceivedAudioStats, RoomAudioStats } from './stats.js';
export { BifrostError, ProtocolError } from './errors.js';
export type { ErrorCode, ServerErrorCode } from './errors.js';
export { candidateAddress, loopbackCandidatesOnly } from './mesh.js';
export type { IceCandidateFilter } from './mesh.js';
export type { ReconnectPolicy } from './backoff.js';
export {
  PROTOCOL_VERSION,
  SFU,
  decodeClient,
  decodeServer,
  encodeClient,
  encodeServer,
} from './protocol.js';
export type {
  AckFrame,
  AnswerFrame,
  AnswerRequest,
  CandidateFrame,
  CandidateRequest,
  ChatFrame,
  ChatRequest,
  ClientMessage,
  ClientMessageType,
  DemoteRequest,
  DisconnectFrame,
  ErrorFrame,
  IceCandidate,
  IceServerInfo,
  JoinedFrame,
  LeaveRequest,
  ListenersFrame,
  LowerHandRequest,
  MuteRequest,
  OfferFrame,
  OfferRequest,
  ParticipantChange,
  ParticipantInfo,
  ParticipantJoinedFrame,
  ParticipantLeftFrame,
  ParticipantUpdatedFrame,
  PingRequest,
  PongFrame,
  PromoteRequest,
  RaiseHandRequest,
  ResumedFrame,
  RoomMode,
  ServerMessage,
  ServerMessageType,
  SfuResetFrame,
  SfuTarget,
  SignalFrame,
  TokenFrame,
  UnpublishRequest,
} from './protocol.js';
