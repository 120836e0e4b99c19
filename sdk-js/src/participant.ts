/** The people in a room: yourself, and the others with their audio. */
import type { ParticipantInfo } from './protocol.js';

/** Inbound audio counters of one remote participant, summed over its `inbound-rtp` streams. */
export interface AudioStats {
  packetsReceived: number;
  bytesReceived: number;
}

/** You, as the server admitted you. The `id` is kept when a reconnect resumes, and changes when it rejoins. */
export interface LocalParticipant {
  readonly id: string;
  readonly identity: string;
  readonly name: string;
  /** `host`, `speaker` or `listener`. */
  readonly role: string;
  /** Opaque app data from the join token. */
  readonly metadata: string;
}

export class RemoteParticipant {
  readonly id: string;
  readonly identity: string;
  readonly name: string;
  /** `host`, `speaker` or `listener`. */
  readonly role: string;
  /** Opaque app data from the participant's join token. */
  readonly metadata: string;

  private track: MediaStreamTrack | undefined;
  private readonly elements = new Set<HTMLMediaElement>();
  private readonly readStats: () => Promise<AudioStats>;

  /** The Room creates participants; apps get them from its events and `participants`. */
  constructor(info: ParticipantInfo, readStats: () => Promise<AudioStats>) {
    this.id = info.id;
    this.identity = info.identity;
    this.name = info.name;
    this.role = info.role;
    this.metadata = info.metadata;
    this.readStats = readStats;
  }

  /** The participant's microphone, while you receive it (see the `trackSubscribed` event). */
  get audioTrack(): MediaStreamTrack | undefined {
    return this.track;
  }

  /**
   * Plays this participant's audio in `element` (a new `<audio>` element when none is given; add
   * it to the page or not, it plays either way). The element follows the participant: it gets
   * the new track after a renegotiation or a reconnect. Browsers may block playback until the
   * person has interacted with the page: then call `element.play()` from a click.
   */
  attach(element?: HTMLMediaElement): HTMLMediaElement {
    const el = element ?? document.createElement('audio');
    el.autoplay = true;
    el.setAttribute('playsinline', '');
    this.elements.add(el);
    bind(el, this.track);
    return el;
  }

  /** Stops playing in `element` (in every attached element when none is given); returns them. */
  detach(element?: HTMLMediaElement): HTMLMediaElement[] {
    const detached = element ? (this.elements.has(element) ? [element] : []) : Array.from(this.elements);
    for (const el of detached) {
      this.elements.delete(el);
      el.srcObject = null;
    }
    return detached;
  }

  /** Inbound audio from this participant so far; zeros while there is no call with it. */
  stats(): Promise<AudioStats> {
    return this.readStats();
  }

  /** @internal */
  setAudioTrack(track: MediaStreamTrack | undefined): void {
    if (this.track === track) return;
    this.track = track;
    for (const el of this.elements) bind(el, track);
  }
}

function bind(el: HTMLMediaElement, track: MediaStreamTrack | undefined): void {
  if (!track) {
    el.srcObject = null;
    return;
  }
  el.srcObject = new MediaStream([track]);
  const playing = el.play() as Promise<void> | undefined;
  if (playing && typeof playing.catch === 'function') {
    playing.catch(() => {
      /* autoplay blocked: the element starts on the next play() from a user gesture */
    });
  }
}
