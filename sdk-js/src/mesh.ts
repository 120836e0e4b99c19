/**
 * A peer-to-peer audio mesh: one RTCPeerConnection per other participant, negotiated with
 * "perfect negotiation" over the server's relayed offers, answers and candidates.
 *
 * - The participant whose id sorts lower is polite: on glare (both sent an offer) it rolls its
 *   own offer back and answers; the impolite one ignores the colliding offer.
 * - ICE is trickled; a `null` candidate is end-of-candidates, both ways.
 * - Every peer has one transceiver of our own: `sendrecv` with the published microphone,
 *   `recvonly` without. Publishing swaps the track and flips the direction, which renegotiates.
 */
import { BifrostError, asBifrostError } from './errors.js';
import type { AnswerRequest, CandidateRequest, IceCandidate, OfferRequest, SignalFrame } from './protocol.js';
import { NO_AUDIO_STATS, connectionAudioStats, mergeAudioStats, type RoomAudioStats } from './stats.js';

export type SignalRequest = Omit<OfferRequest, 'id'> | Omit<AnswerRequest, 'id'> | Omit<CandidateRequest, 'id'>;
export type IceCandidateFilter = (candidate: RTCIceCandidateInit) => boolean;

export interface LocalAudio {
  track: MediaStreamTrack;
  /** Groups the track on the far side (its msid); absent where MediaStream does not exist. */
  stream?: MediaStream;
}

export interface MeshOptions {
  localId: string;
  /** The STUN/TURN servers of the first peers; see {@link Mesh.setIceServers}. */
  iceServers: RTCIceServer[];
  iceCandidateFilter?: IceCandidateFilter;
  createPeerConnection(config: RTCConfiguration): RTCPeerConnection;
  /** Sends a signal request; its promise settles with the server's answer. */
  send(request: SignalRequest): Promise<unknown>;
  /** A remote participant's audio started to arrive (again). */
  onTrack(remoteId: string, track: MediaStreamTrack): void;
  /** A remote participant stopped sending its audio (it unpublished). */
  onTrackEnded(remoteId: string, track: MediaStreamTrack): void;
  onError(error: BifrostError): void;
}

/** The connection address of a candidate line: `candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host`. */
export function candidateAddress(candidate: string | undefined | null): string | undefined {
  if (typeof candidate !== 'string') return undefined;
  const parts = candidate.trim().split(/\s+/);
  return parts.length >= 6 ? parts[4] : undefined;
}

/** An {@link IceCandidateFilter} that keeps only 127.0.0.1 candidates: calls between tabs of one machine. */
export function loopbackCandidatesOnly(candidate: RTCIceCandidateInit): boolean {
  return candidateAddress(candidate.candidate) === '127.0.0.1';
}

/**
 * addTrack rather than addTransceiver: when the other side's offer arrives first (or collides
 * and wins), its audio section takes this transceiver over, so the call needs one audio section
 * and no second round of negotiation.
 */
function addTrack(pc: RTCPeerConnection, local: LocalAudio): RTCRtpTransceiver {
  const sender = local.stream ? pc.addTrack(local.track, local.stream) : pc.addTrack(local.track);
  const transceiver = pc.getTransceivers().find((t) => t.sender === sender);
  if (!transceiver) throw new Error('the browser created no transceiver for the microphone track');
  return transceiver;
}

/** A peer sends a handful of candidates per gathering; more than this held back is not a real peer. */
const MAX_HELD_CANDIDATES = 64;
/**
 * Negotiation done but ICE not started after this long means candidates were lost (glare can
 * do that): the impolite side restarts ICE, which renegotiates with fresh credentials and
 * candidates both ways. Loopback and LAN peers start checking within milliseconds.
 */
const ICE_STALL_MS = 4000;

export class Mesh {
  private readonly peers = new Map<string, Peer>();
  private local: LocalAudio | null;
  private iceServers: RTCIceServer[];
  private closed = false;

  constructor(private readonly options: MeshOptions, local: LocalAudio | null) {
    this.local = local;
    this.iceServers = options.iceServers;
  }

  /** The peer for `remoteId`, created (and negotiating) when there is none yet. */
  add(remoteId: string): void {
    this.ensure(remoteId);
  }

  remove(remoteId: string): void {
    const peer = this.peers.get(remoteId);
    if (!peer) return;
    this.peers.delete(remoteId);
    peer.close();
  }

  has(remoteId: string): boolean {
    return this.peers.has(remoteId);
  }

  /** The audio currently received from `remoteId`, if any. */
  receivedTrack(remoteId: string): MediaStreamTrack | undefined {
    return this.peers.get(remoteId)?.receivedTrack;
  }

  /** An offer, answer or candidate relayed from another participant. */
  handleSignal(signal: SignalFrame): void {
    this.ensure(signal.from)?.handle(signal);
  }

  /** Sends `local` to every peer (or stops sending, with null). */
  async setLocalAudio(local: LocalAudio | null): Promise<void> {
    this.local = local;
    await Promise.all(Array.from(this.peers.values()).map((p) => p.setLocalAudio(local)));
  }

  /**
   * STUN/TURN servers to use from now on: a resumed session may have landed on a node that
   * advertises others, or fresher TURN credentials. New peers start with them; existing peers
   * use them from their next ICE gathering (a restart), their calls are not disturbed.
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.iceServers = iceServers;
    for (const peer of this.peers.values()) peer.setIceServers(iceServers);
  }

  /** The audio of every call; with `remoteId`, of the call with that participant only. */
  async audioStats(remoteId?: string): Promise<RoomAudioStats> {
    const peers = remoteId === undefined ? Array.from(this.peers.values()) : [this.peers.get(remoteId)];
    return mergeAudioStats(await Promise.all(peers.map((p) => (p ? p.audioStats() : NO_AUDIO_STATS))));
  }

  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }

  private ensure(remoteId: string): Peer | undefined {
    if (this.closed || remoteId === this.options.localId) return undefined;
    let peer = this.peers.get(remoteId);
    if (!peer) {
      try {
        peer = new Peer(remoteId, this.options, this.local, this.iceServers);
      } catch (e) {
        this.options.onError(asBifrostError(e, 'internal', `cannot create a peer connection with ${remoteId}`));
        return undefined;
      }
      this.peers.set(remoteId, peer);
    }
    return peer;
  }
}

class Peer {
  readonly polite: boolean;
  private readonly pc: RTCPeerConnection;
  private readonly own: RTCRtpTransceiver;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  /**
   * Candidates that arrived while their offer was being ignored (glare, impolite side). The
   * polite side may keep the same ICE credentials through its rollback and never send them
   * again, so they are tried once the next remote description is in; stale ones are refused.
   */
  private heldCandidates: RTCIceCandidateInit[] = [];
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Incoming signals are applied one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  private remoteTrack: MediaStreamTrack | undefined;
  private receiving = false;

  constructor(private readonly remoteId: string, private readonly options: MeshOptions, local: LocalAudio | null, iceServers: RTCIceServer[]) {
    this.polite = options.localId < remoteId;
    const pc = options.createPeerConnection({ iceServers });
    this.pc = pc;
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onicecandidate = (event: RTCPeerConnectionIceEvent) => this.onLocalCandidate(event.candidate);
    pc.ontrack = (event: RTCTrackEvent) => this.onRemoteTrack(event.track);
    pc.onconnectionstatechange = () => {
      if (!this.closed && pc.connectionState === 'failed') pc.restartIce();
    };
    this.own = local ? addTrack(pc, local) : pc.addTransceiver('audio', { direction: 'recvonly' });
  }

  get receivedTrack(): MediaStreamTrack | undefined {
    return this.receiving ? this.remoteTrack : undefined;
  }

  handle(signal: SignalFrame): void {
    this.queue = this.queue
      .then(() => this.apply(signal))
      .catch((e: unknown) => this.fail(`applying their ${signal.type}`, e));
  }

  async setLocalAudio(local: LocalAudio | null): Promise<void> {
    if (this.closed) return;
    try {
      await this.own.sender.replaceTrack(local ? local.track : null);
      if (this.closed) return;
      const direction: RTCRtpTransceiverDirection = local ? 'sendrecv' : 'recvonly';
      if (this.own.direction !== direction && this.own.direction !== 'stopped') this.own.direction = direction; // renegotiates
    } catch (e) {
      this.fail(local ? 'publishing the microphone' : 'unpublishing', e);
    }
  }

  setIceServers(iceServers: RTCIceServer[]): void {
    const pc = this.pc;
    if (this.closed || typeof pc.setConfiguration !== 'function') return;
    try {
      // The whole configuration, changed in iceServers only: setConfiguration refuses other changes.
      const current = typeof pc.getConfiguration === 'function' ? pc.getConfiguration() : {};
      pc.setConfiguration({ ...current, iceServers });
    } catch (e) {
      this.fail('updating the ICE servers', e);
    }
  }

  audioStats(): Promise<RoomAudioStats> {
    return this.closed ? Promise.resolve(NO_AUDIO_STATS) : connectionAudioStats(this.pc, () => this.remoteId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pc = this.pc;
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    pc.onnegotiationneeded = null;
    pc.onicecandidate = null;
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    try {
      pc.close();
    } catch {
      /* already closed */
    }
  }

  // ------------------------------------------------------------------------- negotiation

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (this.closed || !description) return;
      this.send({ type: description.type === 'answer' ? 'answer' : 'offer', to: this.remoteId, sdp: description.sdp });
    } catch (e) {
      this.fail('making an offer', e);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(signal: SignalFrame): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    if (signal.type === 'candidate') {
      const candidate = signal.candidate;
      if (candidate && this.options.iceCandidateFilter && !this.options.iceCandidateFilter(toInit(candidate))) return;
      if (candidate && (this.ignoreOffer || !pc.remoteDescription)) {
        if (this.heldCandidates.length < MAX_HELD_CANDIDATES) this.heldCandidates.push(toInit(candidate));
        return;
      }
      try {
        if (candidate) await pc.addIceCandidate(toInit(candidate));
        else await pc.addIceCandidate(); // end-of-candidates
      } catch (e) {
        // Candidates of an offer we ignored (glare, impolite side) cannot be added: expected.
        if (!this.ignoreOffer && candidate) throw e;
      }
      return;
    }
    const description: RTCSessionDescriptionInit = { type: signal.type, sdp: signal.sdp };
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const offerCollision = signal.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && offerCollision;
    if (this.ignoreOffer) return; // impolite: our offer wins; theirs is dropped
    this.settingRemoteAnswer = signal.type === 'answer';
    try {
      await pc.setRemoteDescription(description); // polite side on glare: rolls our offer back first
    } finally {
      this.settingRemoteAnswer = false;
    }
    if (this.closed) return;
    await this.addHeldCandidates();
    if (signal.type === 'offer') {
      await pc.setLocalDescription();
      const answer = pc.localDescription;
      if (this.closed || !answer) return;
      this.send({ type: 'answer', to: this.remoteId, sdp: answer.sdp });
    }
    this.checkStillReceiving();
    this.watchIceStart();
  }

  /** Restarts ICE when a finished negotiation does not get ICE going (see ICE_STALL_MS). */
  private watchIceStart(): void {
    if (this.polite || this.stallTimer !== undefined) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const pc = this.pc;
      if (this.closed || pc.signalingState !== 'stable' || !pc.remoteDescription) return;
      if (pc.iceConnectionState === 'new') pc.restartIce(); // fires negotiationneeded
    }, ICE_STALL_MS);
  }

  private async addHeldCandidates(): Promise<void> {
    const held = this.heldCandidates;
    this.heldCandidates = [];
    for (const candidate of held) {
      await this.pc.addIceCandidate(candidate).catch(() => {
        /* from credentials that did not survive the rollback: nothing to add */
      });
    }
  }

  // ------------------------------------------------------------------------- ICE and media

  private onLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (this.closed) return;
    if (!candidate) {
      this.send({ type: 'candidate', to: this.remoteId, candidate: null });
      return;
    }
    if (!candidate.candidate) return; // end of one generation; the null comes after the last
    const init = candidateInit(candidate);
    if (this.options.iceCandidateFilter && !this.options.iceCandidateFilter(init)) return;
    this.send({ type: 'candidate', to: this.remoteId, candidate: init as IceCandidate });
  }

  private onRemoteTrack(track: MediaStreamTrack): void {
    if (this.closed || track.kind !== 'audio') return;
    if (this.remoteTrack === track && this.receiving) return;
    this.remoteTrack = track;
    this.receiving = true;
    this.options.onTrack(this.remoteId, track);
  }

  /** After a negotiation: did they stop sending (unpublish)? Then their track is unsubscribed. */
  private checkStillReceiving(): void {
    const track = this.remoteTrack;
    if (!this.receiving || !track || typeof this.pc.getTransceivers !== 'function') return;
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track === track);
    const direction = transceiver?.currentDirection;
    if (direction === 'sendonly' || direction === 'inactive' || direction === 'stopped') {
      this.receiving = false;
      this.options.onTrackEnded(this.remoteId, track);
    }
  }

  private send(request: SignalRequest): void {
    this.options.send(request).catch((e: unknown) => {
      const error = asBifrostError(e, 'internal', `sending ${request.type} to ${this.remoteId}`);
      // They left, or we are disconnecting: the room events say so; nothing to report here.
      if (this.closed || error.code === 'not-found' || error.code === 'connection-lost') return;
      this.options.onError(error);
    });
  }

  private fail(what: string, e: unknown): void {
    if (this.closed) return;
    this.options.onError(asBifrostError(e, 'internal', `WebRTC with ${this.remoteId}: ${what} failed`));
  }
}

/** The candidate as the wire carries it: the browser's own JSON form when it has one. */
export function candidateInit(candidate: RTCIceCandidate): RTCIceCandidateInit {
  return typeof candidate.toJSON === 'function' ? candidate.toJSON() : {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid,
    sdpMLineIndex: candidate.sdpMLineIndex,
    usernameFragment: candidate.usernameFragment,
  };
}

export function toInit(candidate: IceCandidate): RTCIceCandidateInit {
  return candidate as RTCIceCandidateInit;
}
