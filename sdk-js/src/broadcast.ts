/**
 * A broadcast room's audio: the room's SFU receives each speaker's microphone once and forwards
 * it to everyone, so each participant holds at most two connections, whatever the room's size.
 *
 * - The publisher connection (speakers only) sends the microphone, `sendonly`. We offer, the
 *   SFU answers; the answer comes back with the offer's request id.
 * - The subscriber connection receives everyone else. The SFU offers, we answer, again each
 *   time speakers come and go; the server never has two of its offers open at once, and we
 *   apply them one at a time, in arrival order.
 * - Both trickle ICE, with `target` saying which connection a candidate belongs to.
 */
import { BifrostError, asBifrostError } from './errors.js';
import { candidateInit, toInit, type IceCandidateFilter, type LocalAudio } from './mesh.js';
import { SFU, type IceCandidate, type SfuTarget, type SignalFrame } from './protocol.js';
import type { RequestAnswer, RequestBody } from './signaling.js';
import { NO_AUDIO_STATS, connectionAudioStats, mergeAudioStats, type RoomAudioStats } from './stats.js';

export interface BroadcastOptions {
  /** The STUN/TURN servers of new connections; see {@link Broadcast.restart}. */
  iceServers: RTCIceServer[];
  iceCandidateFilter?: IceCandidateFilter;
  createPeerConnection(config: RTCConfiguration): RTCPeerConnection;
  /** Sends a request; its promise settles with the server's answer. */
  send(request: RequestBody): Promise<RequestAnswer>;
  /**
   * Whose audio a received stream is, from what labels it (its msid stream ids and track id);
   * undefined when no participant of the room matches.
   */
  ownerOf(labels: readonly string[]): string | undefined;
  /** A received track started (again), or now belongs to another participant. */
  onTrack(track: MediaStreamTrack, participantId: string | undefined): void;
  /** The SFU stopped sending a track (its speaker stopped publishing, or the connection closed). */
  onTrackEnded(track: MediaStreamTrack, participantId: string | undefined): void;
  onError(error: BifrostError): void;
}

/** A candidate gathering yields a handful; more than this held back is not a real connection. */
const MAX_HELD_CANDIDATES = 64;

interface ReceivedTrack {
  labels: readonly string[];
  owner: string | undefined;
  live: boolean;
}

export class Broadcast {
  private local: LocalAudio | null = null;
  private publisher: SfuConnection | null = null;
  private subscriber: SfuConnection | null = null;
  private iceServers: RTCIceServer[];
  /** Publishing changes run one at a time: the SFU holds one publisher per participant. */
  private publishing: Promise<void> = Promise.resolve();
  /** The SFU's signals for the subscriber are applied one at a time, in arrival order. */
  private receiving: Promise<void> = Promise.resolve();
  private readonly received = new Map<MediaStreamTrack, ReceivedTrack>();
  private closed = false;

  constructor(private readonly options: BroadcastOptions) {
    this.iceServers = options.iceServers;
  }

  /** Whether our audio is published (or being published) to the SFU. */
  get isPublishing(): boolean {
    return this.publisher !== null;
  }

  /**
   * Sends `local` to the SFU: a new publisher connection, or the same one with the track
   * swapped. With null, closes the publisher without telling the server (it already knows:
   * a demotion). Rejects with the server's refusal (`forbidden`, `sfu-unavailable`).
   */
  publish(local: LocalAudio | null): Promise<void> {
    return this.serially(() => this.applyLocal(local));
  }

  /** Stops publishing and tells the server, which tells the room. Never rejects. */
  async unpublish(): Promise<void> {
    const wasPublishing = this.publisher !== null;
    await this.publish(null);
    if (wasPublishing) await this.options.send({ type: 'unpublish' }).catch((e: unknown) => this.report('unpublishing', e));
  }

  /** The SFU lost our publisher (`sfu-reset`): publish the same audio again on a new connection. */
  republish(): void {
    this.serially(async () => {
      this.closePublisher();
      if (this.local) await this.offer(this.local);
    }).catch((e: unknown) => this.report('publishing again after the SFU lost it', e));
  }

  /**
   * After a resumed session, whose SFU connections the server dropped: closes both, publishes
   * the same audio again, and waits for the SFU's fresh offer of the room's speakers.
   */
  restart(iceServers: RTCIceServer[]): void {
    this.iceServers = iceServers;
    this.closeSubscriber();
    this.republish();
  }

  /** STUN/TURN servers for the connections made from now on. */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.iceServers = iceServers;
  }

  /** An offer or candidate from the SFU. */
  handleSignal(signal: SignalFrame): void {
    if (this.closed) return;
    if (signal.target === 'publisher') {
      // Its answer settles our offer request; only candidates come this way.
      if (signal.type === 'candidate') void this.publisher?.addRemoteCandidate(signal.candidate);
      return;
    }
    this.receiving = this.receiving
      .then(() => this.applyForSubscriber(signal))
      .catch((e: unknown) => this.report(`applying the SFU's ${signal.type}`, e));
  }

  audioStats(): Promise<RoomAudioStats> {
    const parts: Promise<RoomAudioStats>[] = [];
    if (this.publisher) parts.push(connectionAudioStats(this.publisher.pc, () => undefined));
    if (this.subscriber) parts.push(connectionAudioStats(this.subscriber.pc, (s) => this.ownerOfStream(s)));
    return parts.length ? Promise.all(parts).then(mergeAudioStats) : Promise.resolve(NO_AUDIO_STATS);
  }

  close(): void {
    this.closed = true;
    this.closePublisher();
    this.closeSubscriber();
  }

  // ------------------------------------------------------------------------------ publishing

  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.publishing.then(step);
    this.publishing = run.catch(() => undefined);
    return run;
  }

  private async applyLocal(local: LocalAudio | null): Promise<void> {
    this.local = local;
    if (this.closed) return;
    if (!local) {
      this.closePublisher();
      return;
    }
    const current = this.publisher;
    const sender = current?.pc.getTransceivers()[0]?.sender;
    if (current && sender) {
      await sender.replaceTrack(local.track); // no renegotiation: the SFU sees the same stream
      return;
    }
    await this.offer(local);
  }

  private async offer(local: LocalAudio): Promise<void> {
    const connection = new SfuConnection('publisher', this.options, this.iceServers, () => this.republish());
    this.publisher = connection;
    try {
      connection.pc.addTransceiver(local.track, { direction: 'sendonly', streams: local.stream ? [local.stream] : [] });
      await connection.pc.setLocalDescription();
      const offer = connection.pc.localDescription;
      if (!offer || connection.closed) return;
      const answer = await this.options.send({ type: 'offer', to: SFU, sdp: offer.sdp });
      if (answer.type !== 'answer') {
        throw new BifrostError('internal', `the server answered the publisher offer with ${answer.type}, not the SFU's answer`);
      }
      if (connection.closed) return;
      await connection.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      await connection.signalled();
    } catch (e) {
      if (this.publisher === connection) this.publisher = null;
      connection.close();
      throw e;
    }
  }

  private closePublisher(): void {
    this.publisher?.close();
    this.publisher = null;
  }

  // ------------------------------------------------------------------------------ receiving

  private async applyForSubscriber(signal: SignalFrame): Promise<void> {
    if (this.closed) return;
    if (signal.type === 'candidate') {
      await this.subscriber?.addRemoteCandidate(signal.candidate);
      return;
    }
    if (signal.type !== 'offer') return; // the subscriber's answers are ours
    let connection = this.subscriber ?? this.newSubscriber();
    const current = connection.pc.remoteDescription;
    if (current && iceUfrag(current.sdp) !== iceUfrag(signal.sdp)) {
      // New ICE credentials: the subscription moved to another SFU connection (another node,
      // after a failure). Its offer cannot renegotiate m-lines it never saw: start afresh.
      this.endSubscriber();
      connection = this.newSubscriber();
    }
    const pc = connection.pc;
    await pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
    await pc.setLocalDescription();
    const answer = pc.localDescription;
    if (connection.closed || !answer) return;
    // Awaited: the server sends its next offer only once this one is answered.
    await this.options.send({ type: 'answer', to: SFU, sdp: answer.sdp });
    await connection.signalled();
    this.checkStillReceiving(pc);
  }

  private newSubscriber(): SfuConnection {
    const connection = new SfuConnection('subscriber', this.options, this.iceServers, () => {
      this.options.onError(new BifrostError('internal', 'the connection receiving the room\'s audio from the SFU failed'));
    });
    connection.pc.ontrack = (event: RTCTrackEvent) => this.onRemoteTrack(event);
    this.subscriber = connection;
    return connection;
  }

  private onRemoteTrack(event: RTCTrackEvent): void {
    const track = event.track;
    if (this.closed || track.kind !== 'audio') return;
    const labels = [...(event.streams ?? []).map((s) => s.id), track.id];
    const owner = this.options.ownerOf(labels);
    const known = this.received.get(track);
    if (known?.live && known.owner === owner) return;
    if (known?.live) this.options.onTrackEnded(track, known.owner); // the SFU reused its slot for another speaker
    this.received.set(track, { labels, owner, live: true });
    this.options.onTrack(track, owner);
  }

  /** After an offer: the SFU stops sending a speaker who stopped by making its slot inactive. */
  private checkStillReceiving(pc: RTCPeerConnection): void {
    if (typeof pc.getTransceivers !== 'function') return;
    for (const transceiver of pc.getTransceivers()) {
      const received = this.received.get(transceiver.receiver.track);
      const direction = transceiver.currentDirection;
      if (!received?.live || (direction !== 'inactive' && direction !== 'sendonly' && direction !== 'stopped')) continue;
      received.live = false;
      this.options.onTrackEnded(transceiver.receiver.track, received.owner);
    }
  }

  private ownerOfStream(stream: { trackIdentifier?: string; mid?: string }): string | undefined {
    for (const [track, received] of this.received) {
      if (track.id === stream.trackIdentifier) return this.options.ownerOf(received.labels);
    }
    const transceiver = stream.mid === undefined ? undefined : this.subscriber?.pc.getTransceivers().find((t) => t.mid === stream.mid);
    const received = transceiver ? this.received.get(transceiver.receiver.track) : undefined;
    return received ? this.options.ownerOf(received.labels) : undefined;
  }

  private closeSubscriber(): void {
    this.endSubscriber();
    this.receiving = Promise.resolve();
  }

  /** Closes the subscriber connection and ends its tracks; the queue of SFU signals goes on. */
  private endSubscriber(): void {
    this.subscriber?.close();
    this.subscriber = null;
    const received = Array.from(this.received);
    this.received.clear();
    for (const [track, r] of received) if (r.live) this.options.onTrackEnded(track, r.owner);
  }

  private report(what: string, e: unknown): void {
    const error = asBifrostError(e, 'internal', `broadcast audio: ${what} failed`);
    // A reconnect or the room's end says so itself; a resumed session publishes again.
    if (this.closed || error.code === 'connection-lost') return;
    this.options.onError(error);
  }
}

/** One connection with the SFU, and its ICE candidates both ways. */
class SfuConnection {
  readonly pc: RTCPeerConnection;
  closed = false;
  /** Ours, held until the SFU has this connection's description: it cannot place them before. */
  private outgoing: (IceCandidate | null)[] | null = [];
  /** Theirs, held until the remote description is in. */
  private incoming: (IceCandidate | null)[] = [];

  constructor(readonly target: SfuTarget, private readonly options: BroadcastOptions, iceServers: RTCIceServer[],
              onFailed: () => void) {
    const pc = options.createPeerConnection({ iceServers });
    this.pc = pc;
    pc.onicecandidate = (event: RTCPeerConnectionIceEvent) => this.onLocalCandidate(event.candidate);
    pc.onconnectionstatechange = () => {
      if (!this.closed && pc.connectionState === 'failed') onFailed();
    };
  }

  /** The offer and answer are exchanged: our candidates go out, theirs go in. */
  async signalled(): Promise<void> {
    const outgoing = this.outgoing ?? [];
    this.outgoing = null;
    for (const candidate of outgoing) this.send(candidate);
    const incoming = this.incoming;
    this.incoming = [];
    for (const candidate of incoming) await this.addRemoteCandidate(candidate);
  }

  async addRemoteCandidate(candidate: IceCandidate | null): Promise<void> {
    if (this.closed) return;
    if (candidate && this.options.iceCandidateFilter && !this.options.iceCandidateFilter(toInit(candidate))) return;
    if (!this.pc.remoteDescription) {
      if (this.incoming.length < MAX_HELD_CANDIDATES) this.incoming.push(candidate);
      return;
    }
    if (candidate) await this.pc.addIceCandidate(toInit(candidate));
    else await this.pc.addIceCandidate(); // end-of-candidates
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pc = this.pc;
    pc.onicecandidate = null;
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    try {
      pc.close();
    } catch {
      /* already closed */
    }
  }

  private onLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (this.closed) return;
    if (candidate && !candidate.candidate) return; // end of one generation; the null comes after the last
    const init = candidate ? (candidateInit(candidate) as IceCandidate) : null;
    if (init && this.options.iceCandidateFilter && !this.options.iceCandidateFilter(init)) return;
    if (this.outgoing) {
      if (this.outgoing.length < MAX_HELD_CANDIDATES) this.outgoing.push(init);
      return;
    }
    this.send(init);
  }

  private send(candidate: IceCandidate | null): void {
    this.options.send({ type: 'candidate', to: SFU, target: this.target, candidate }).catch((e: unknown) => {
      const error = asBifrostError(e, 'internal', `sending a ${this.target} candidate to the SFU`);
      if (this.closed || error.code === 'connection-lost') return;
      this.options.onError(error);
    });
  }
}

/** The first ICE username fragment of an SDP: the same for every offer of one SFU connection. */
function iceUfrag(sdp: string | undefined): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp ?? '')?.[1];
}
