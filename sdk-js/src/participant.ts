/** The people in a room: yourself, and the others with their audio. */
import type { ParticipantInfo } from './protocol.js';
import type { AudioStats } from './stats.js';

/** Roles whose audio a broadcast room carries; a listener becomes one when a host promotes it. */
export function maySpeak(role: string): boolean {
  return role === 'host' || role === 'speaker';
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
  /** You asked to speak (`raiseHand()`). */
  readonly handRaised: boolean;
  /** A host muted you: your microphone track is disabled until they unmute you. */
  readonly muted: boolean;
  /** Broadcast rooms: the server confirmed your audio is published. */
  readonly publishing: boolean;
}

/**
 * Someone else in the room. `id`, `identity`, `name` and `metadata` never change; `role`,
 * `handRaised`, `muted` and `publishing` follow the room (the `participantUpdated` event).
 */
export class RemoteParticipant {
  readonly id: string;
  readonly identity: string;
  readonly name: string;
  /** Opaque app data from the participant's join token. */
  readonly metadata: string;

  private info: ParticipantInfo;
  private track: MediaStreamTrack | undefined;
  private readonly elements = new Set<HTMLMediaElement>();
  /** The SDK's own element, playing the audio until the app attaches one (broadcast rooms). */
  private fallback: HTMLMediaElement | undefined;
  private readonly readStats: () => Promise<AudioStats>;

  /** The Room creates participants; apps get them from its events and `participants`. */
  constructor(info: ParticipantInfo, readStats: () => Promise<AudioStats>) {
    this.id = info.id;
    this.identity = info.identity;
    this.name = info.name;
    this.metadata = info.metadata;
    this.info = Object.freeze({ ...info });
    this.readStats = readStats;
  }

  /** `host`, `speaker` or `listener`; a host may promote or demote. */
  get role(): string {
    return this.info.role;
  }

  /** They asked to speak. */
  get handRaised(): boolean {
    return this.info.handRaised;
  }

  /** A host muted them: the room does not hear them. */
  get muted(): boolean {
    return this.info.muted;
  }

  /** Broadcast rooms: their audio is published to the room. */
  get publishing(): boolean {
    return this.info.publishing;
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
    if (this.fallback && element !== this.fallback) this.detach(this.fallback);
    this.fallback = undefined;
    return this.play(element ?? newAudioElement());
  }

  /** Stops playing in `element` (in every attached element when none is given); returns them. */
  detach(element?: HTMLMediaElement): HTMLMediaElement[] {
    const detached = element ? (this.elements.has(element) ? [element] : []) : Array.from(this.elements);
    for (const el of detached) {
      this.elements.delete(el);
      el.srcObject = null;
    }
    if (this.fallback && !this.elements.has(this.fallback)) this.fallback = undefined;
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

  /** @internal The room's new view of this participant. */
  update(info: ParticipantInfo): void {
    this.info = Object.freeze({ ...info });
  }

  /**
   * @internal Plays the audio in an element of the SDK's own while the app attached none, which
   * is not added to the page; `attach()` replaces it. Broadcast rooms play this way.
   */
  playUntilAttached(): void {
    if (this.elements.size === 0 && hasDocument()) this.fallback = this.play(newAudioElement());
  }

  private play(el: HTMLMediaElement): HTMLMediaElement {
    this.elements.add(el);
    bind(el, this.track);
    return el;
  }
}

/**
 * Plays a track the room cannot attribute to a participant, in an element of the SDK's own;
 * undefined where there is no DOM. Stop it with {@link stopPlaying}.
 */
export function playTrack(track: MediaStreamTrack): HTMLMediaElement | undefined {
  if (!hasDocument()) return undefined;
  const el = newAudioElement();
  bind(el, track);
  return el;
}

export function stopPlaying(el: HTMLMediaElement): void {
  el.pause();
  el.srcObject = null;
}

function hasDocument(): boolean {
  return typeof document !== 'undefined' && typeof MediaStream === 'function';
}

function newAudioElement(): HTMLAudioElement {
  const el = document.createElement('audio');
  el.autoplay = true;
  el.setAttribute('playsinline', '');
  return el;
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
