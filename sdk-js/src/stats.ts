/** Audio counters read from `RTCPeerConnection.getStats()`, the same way in mesh and broadcast rooms. */

/** Inbound audio counters, summed over `inbound-rtp` streams. */
export interface AudioStats {
  readonly packetsReceived: number;
  readonly bytesReceived: number;
}

/** One received audio stream (one `inbound-rtp` entry of kind audio). */
export interface ReceivedAudioStats extends AudioStats {
  /**
   * Whose audio it is: always known in mesh rooms; in broadcast rooms when the SFU labels its
   * streams with the publisher's participant id (their msid), otherwise undefined.
   */
  readonly participantId?: string;
  /** Sum of the squared audio levels times the duration, as WebRTC defines it: grows while sound arrives. */
  readonly totalAudioEnergy: number;
  /** The latest audio level, 0 to 1. */
  readonly audioLevel: number;
}

/** Everything a room receives and sends, by audio stream. */
export interface RoomAudioStats {
  /** One entry per received audio stream. */
  readonly received: readonly ReceivedAudioStats[];
  /** Packets of your own audio sent so far, over every connection; above 0 once you publish. */
  readonly packetsSent: number;
  readonly bytesSent: number;
}

export const NO_AUDIO_STATS: RoomAudioStats = Object.freeze({ received: Object.freeze([]), packetsSent: 0, bytesSent: 0 });

/** The fields read from a stats entry; browsers differ in which they fill. */
interface StatsEntry {
  type?: string;
  kind?: string;
  mediaType?: string;
  trackId?: string;
  trackIdentifier?: string;
  mid?: string;
  packetsReceived?: number;
  bytesReceived?: number;
  packetsSent?: number;
  bytesSent?: number;
  totalAudioEnergy?: number;
  audioLevel?: number;
}

/** Attributes a received stream to a participant from what identifies it: its track id and mid. */
export type StreamOwner = (stream: { trackIdentifier?: string; mid?: string }) => string | undefined;

/** The audio counters of one connection. */
export async function connectionAudioStats(pc: RTCPeerConnection, ownerOf: StreamOwner): Promise<RoomAudioStats> {
  const report = await pc.getStats();
  const entries = new Map<string, StatsEntry>();
  report.forEach((s: StatsEntry & { id?: string }, key: string) => entries.set(s.id ?? key, s));
  const received: ReceivedAudioStats[] = [];
  let packetsSent = 0;
  let bytesSent = 0;
  for (const s of entries.values()) {
    if (!isAudio(s)) continue;
    if (s.type === 'inbound-rtp') {
      // Older browsers keep the levels on the track entry the stream points to.
      const track = s.trackId !== undefined ? entries.get(s.trackId) : undefined;
      const participantId = ownerOf({ trackIdentifier: s.trackIdentifier ?? track?.trackIdentifier, mid: s.mid });
      received.push(Object.freeze({
        ...(participantId !== undefined ? { participantId } : {}),
        packetsReceived: s.packetsReceived ?? 0,
        bytesReceived: s.bytesReceived ?? 0,
        totalAudioEnergy: s.totalAudioEnergy ?? track?.totalAudioEnergy ?? 0,
        audioLevel: s.audioLevel ?? track?.audioLevel ?? 0,
      }));
    } else if (s.type === 'outbound-rtp') {
      packetsSent += s.packetsSent ?? 0;
      bytesSent += s.bytesSent ?? 0;
    }
  }
  return Object.freeze({ received: Object.freeze(received), packetsSent, bytesSent });
}

/** The counters of several connections as one. */
export function mergeAudioStats(parts: readonly RoomAudioStats[]): RoomAudioStats {
  return Object.freeze({
    received: Object.freeze(parts.flatMap((p) => p.received)),
    packetsSent: parts.reduce((sum, p) => sum + p.packetsSent, 0),
    bytesSent: parts.reduce((sum, p) => sum + p.bytesSent, 0),
  });
}

/** The streams received from one participant, summed. */
export function participantAudioStats(stats: RoomAudioStats, participantId: string): AudioStats {
  let packetsReceived = 0;
  let bytesReceived = 0;
  for (const s of stats.received) {
    if (s.participantId !== participantId) continue;
    packetsReceived += s.packetsReceived;
    bytesReceived += s.bytesReceived;
  }
  return { packetsReceived, bytesReceived };
}

function isAudio(s: StatsEntry): boolean {
  return s.kind === 'audio' || s.mediaType === 'audio';
}
