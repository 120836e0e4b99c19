/**
 * Who is talking and how well the audio flows, from the SDK's WebRTC stats
 * (`room.audioStats()`): the level of every received stream, and packet counters. Your own
 * voice is measured on your microphone track, which the stats of a sending stream do not level.
 */
import type { Room, RoomAudioStats } from '@bifrost/client';

/** Often enough for a ring that follows speech, rarely enough to cost nothing. */
const POLL_MS = 300;
/** A received stream's `audioLevel` (0..1) above this is speech rather than room noise. */
const SPEAKING_LEVEL = 0.02;
/** The same threshold for the RMS of your microphone's samples. */
const LOCAL_SPEAKING_RMS = 0.02;
/** The ring stays this long after the voice drops, so that it does not flicker between words. */
const HANGOVER_MS = 700;
/** Opus sends a packet every 20 ms: the rate a healthy stream arrives at. */
const PACKETS_PER_SECOND = 50;
/** Quality is judged over this window: long enough to smooth jitter, short enough to react. */
const QUALITY_WINDOW_MS = 3_000;

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

export interface ActivitySample {
  /** Participant ids talking now (yours included). */
  speaking: Set<string>;
  /** How well audio arrives and leaves, over the last few seconds. */
  quality: Quality;
  /** Sound arrives that no speaker could be named for. */
  unattributedSound: boolean;
}

/** What the activity monitor needs to know of the room besides its stats. */
export interface StageView {
  /** Your participant id. */
  localId(): string;
  /** Remote participants whose audio the room carries now (on stage, publishing, not muted). */
  audibleRemotes(): string[];
}

export class AudioActivity {
  private readonly room: Room;
  private readonly stage: StageView;
  private readonly onSample: (sample: ActivitySample) => void;
  private readonly lastHeard = new Map<string, number>();
  private history: { at: number; received: number; sent: number; expectIn: number; expectOut: boolean }[] = [];
  private timer = 0;
  private busy = false;
  private local: { track: MediaStreamTrack; analyser: AnalyserNode; source: MediaStreamAudioSourceNode } | null = null;
  private audioContext: AudioContext | null = null;

  constructor(room: Room, stage: StageView, onSample: (sample: ActivitySample) => void) {
    this.room = room;
    this.stage = stage;
    this.onSample = onSample;
    this.timer = window.setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.local?.source.disconnect();
    this.local = null;
    void this.audioContext?.close().catch(() => {});
    this.audioContext = null;
  }

  private async poll(): Promise<void> {
    if (this.busy) return; // a slow getStats: skip a beat rather than pile up
    this.busy = true;
    try {
      const stats = await this.room.audioStats();
      const now = performance.now();
      const unattributedSound = this.hear(stats, now);
      const quality = this.judge(stats, now);
      const speaking = new Set<string>();
      for (const [id, at] of this.lastHeard) if (now - at < HANGOVER_MS) speaking.add(id);
      this.onSample({ speaking, quality, unattributedSound });
    } catch {
      // the room is closing: the next view stops us
    } finally {
      this.busy = false;
    }
  }

  /**
   * Notes who is audible now: received streams by their sender, and your microphone. Returns
   * whether sound arrives that no one could be named for.
   */
  private hear(stats: RoomAudioStats, now: number): boolean {
    const audible = this.stage.audibleRemotes();
    const unnamed = stats.received.filter((s) => !s.participantId);
    // Without the SFU's labels a stream is still someone's: with one audible speaker not named
    // by any stream, it is theirs.
    const named = new Set(stats.received.map((s) => s.participantId).filter(Boolean));
    const candidates = audible.filter((id) => !named.has(id));
    let unattributed = false;
    for (const s of stats.received) {
      const id = s.participantId ?? (unnamed.length === 1 && candidates.length === 1 ? candidates[0] : undefined);
      if (s.audioLevel <= SPEAKING_LEVEL) continue;
      if (id) this.lastHeard.set(id, now);
      else unattributed = true;
    }
    if (this.localLevel() > LOCAL_SPEAKING_RMS) this.lastHeard.set(this.stage.localId(), now);
    return unattributed;
  }

  /**
   * Compares the packets that arrived and left over the window with what the stage should
   * produce: every audible speaker sends about 50 a second, and so do you while you publish.
   */
  private judge(stats: RoomAudioStats, now: number): Quality {
    const received = stats.received.reduce((sum, s) => sum + s.packetsReceived, 0);
    const expectIn = this.stage.audibleRemotes().length;
    const track = this.room.localAudioTrack;
    const expectOut = !!track && track.readyState === 'live' && this.room.localParticipant.publishing;
    const last = this.history[this.history.length - 1];
    // Counters start again with each new connection (a resumed broadcast session reconnects to
    // the SFU): judge the new connection from its start, not against the old one's totals.
    if (last && (received < last.received || stats.packetsSent < last.sent)) this.history = [];
    this.history.push({ at: now, received, sent: stats.packetsSent, expectIn, expectOut });
    this.history = this.history.filter((h) => now - h.at <= QUALITY_WINDOW_MS);
    const first = this.history[0];
    const seconds = (now - first.at) / 1000;
    // Not judged until a full window of steady expectations: a new speaker's stream takes a moment.
    const steady = this.history.every((h) => h.expectIn === expectIn && h.expectOut === expectOut);
    if (seconds < QUALITY_WINDOW_MS / 1000 - 0.5 || !steady) return 'unknown';
    if (expectIn === 0 && !expectOut) return 'good';
    const ratios: number[] = [];
    if (expectIn > 0) ratios.push((received - first.received) / seconds / (expectIn * PACKETS_PER_SECOND));
    if (expectOut) ratios.push((stats.packetsSent - first.sent) / seconds / PACKETS_PER_SECOND);
    const worst = Math.min(...ratios);
    return worst >= 0.8 ? 'good' : worst >= 0.4 ? 'fair' : 'poor';
  }

  /** The RMS of your microphone's latest samples, 0 when you do not publish. */
  private localLevel(): number {
    const track = this.room.localAudioTrack;
    if (!track || track.readyState !== 'live' || !track.enabled) return 0;
    if (this.local?.track !== track) this.listenTo(track);
    if (!this.local) return 0;
    const samples = new Float32Array(this.local.analyser.fftSize);
    this.local.analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    return Math.sqrt(sum / samples.length);
  }

  private listenTo(track: MediaStreamTrack): void {
    this.local?.source.disconnect();
    this.local = null;
    try {
      this.audioContext ??= new AudioContext();
      // Joining was a click, so the context may run; without one it stays suspended and silent.
      if (this.audioContext.state === 'suspended') void this.audioContext.resume().catch(() => {});
      const source = this.audioContext.createMediaStreamSource(new MediaStream([track]));
      const analyser = this.audioContext.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser); // not to the destination: you do not hear yourself
      this.local = { track, analyser, source };
    } catch {
      // no Web Audio: your ring stays off, nothing else depends on it
    }
  }
}
