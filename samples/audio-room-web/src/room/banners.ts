/**
 * The strip of notices above a room: one slot per concern (the connection, audio quality, the
 * SFU, your microphone, passing notes), so that a newer notice of a kind replaces the older one.
 */
import { h } from '../dom';

export type BannerKind = 'connection' | 'quality' | 'sfu' | 'microphone' | 'note';
export type Tone = 'info' | 'warning' | 'error' | 'success';

/** Passing notes ("You are on stage") go away by themselves after this long. */
const NOTE_MS = 5_000;

export class Banners {
  readonly element = h('div', { className: 'banners' });
  private readonly shown = new Map<BannerKind, HTMLElement>();
  private noteTimer = 0;

  show(kind: BannerKind, text: string, tone: Tone = 'info'): void {
    const banner = h('div', {
      className: `banner ${tone}`, 'data-kind': kind,
      // errors and warnings interrupt a screen reader; the rest wait their turn
      role: tone === 'error' || tone === 'warning' ? 'alert' : 'status',
    },
    tone === 'info' && kind === 'connection' ? h('span', { className: 'spinner', 'aria-hidden': 'true' }) : null,
    h('span', { className: 'banner-text' }, text),
    h('button', { type: 'button', className: 'ghost small', 'aria-label': 'Dismiss', onclick: () => this.clear(kind) }, '×'));
    const old = this.shown.get(kind);
    if (old) old.replaceWith(banner);
    else this.element.append(banner);
    this.shown.set(kind, banner);
    if (kind === 'note') {
      window.clearTimeout(this.noteTimer);
      this.noteTimer = window.setTimeout(() => this.clear('note'), NOTE_MS);
    }
  }

  clear(kind: BannerKind): void {
    this.shown.get(kind)?.remove();
    this.shown.delete(kind);
  }

  dispose(): void {
    window.clearTimeout(this.noteTimer);
  }
}
