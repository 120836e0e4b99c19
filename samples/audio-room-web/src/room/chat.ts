/**
 * The room's chat. Lines are kept by the room's sequence number: after a resume the server
 * replays the lines missed while away, which land in order, and a line seen twice shows once.
 */
import type { ChatMessage, Room } from '@bifrost/client';
import { h, hue } from '../dom';
import { actionFailure } from '../messages';

/** What the SDK allows in one line (UTF-16 code units). */
const MAX_LINE = 4096;

export class ChatPanel {
  readonly element: HTMLElement;
  private readonly log = h('ol', { className: 'chat-log', 'aria-label': 'Messages', 'aria-live': 'polite' });
  private readonly input = h('input', {
    id: 'chat-input', name: 'message', type: 'text', maxlength: MAX_LINE, autocomplete: 'off',
    placeholder: 'Say something to the room…',
  });
  private readonly error = h('p', { className: 'form-error', role: 'alert' });
  private readonly lines = new Map<number, HTMLLIElement>();
  private readonly room: Room;
  private readonly nameOf: (id: string) => string | undefined;
  private readonly identityOf: (id: string) => string | undefined;

  /**
   * `nameOf` and `identityOf` know senders who have left since (their chat lines outlive them);
   * the identity gives a sender the colour of their avatar.
   */
  constructor(room: Room, nameOf: (id: string) => string | undefined, identityOf: (id: string) => string | undefined) {
    this.room = room;
    this.nameOf = nameOf;
    this.identityOf = identityOf;
    const send = h('button', { type: 'submit', className: 'primary' }, 'Send');
    const form = h('form', { className: 'chat-form' },
      h('label', { for: 'chat-input', className: 'visually-hidden' }, 'Message'),
      this.input, send);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      send.disabled = true;
      this.error.textContent = '';
      try {
        await this.room.sendChat(text);
        this.input.value = '';
      } catch (e) {
        // A line whose answer was lost to a dropped connection may still arrive after the resume.
        this.error.textContent = actionFailure('send your message', e);
      } finally {
        send.disabled = false;
        this.input.focus();
      }
    });
    this.element = h('aside', { className: 'chat panel', 'aria-labelledby': 'chat-title' },
      h('h2', { id: 'chat-title' }, 'Chat'),
      this.log,
      form,
      this.error);
  }

  /** A line from the room (live, or replayed after a resume). */
  add(message: ChatMessage): void {
    if (this.lines.has(message.seq)) return;
    const mine = message.from === this.room.localParticipant.id;
    const sender = message.from === 'server' ? 'Room' : message.participant?.name ?? this.nameOf(message.from) ?? 'Someone';
    const time = new Date(message.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const line = h('li', { className: `chat-line${mine ? ' mine' : ''}${message.from === 'server' ? ' server' : ''}`, 'data-seq': message.seq },
      h('span', { className: 'chat-sender', style: `--hue:${hue(this.identityOf(message.from) ?? sender)}` }, mine ? `${sender} (you)` : sender),
      h('time', { dateTime: new Date(message.ts).toISOString() }, time),
      h('p', { className: 'chat-text' }, message.text));
    this.insert(message.seq, line);
  }

  /** A note from the app itself (reconnected, promoted…), placed after the latest line. */
  note(text: string): void {
    const last = Math.max(-1, ...this.lines.keys());
    // a fractional key sorts the note after the line it follows and before the next one
    this.insert(last + 0.5 + this.lines.size * 1e-9, h('li', { className: 'chat-note' }, text));
  }

  private insert(key: number, line: HTMLLIElement): void {
    const stickToBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const after = [...this.lines.keys()].filter((k) => k > key).sort((a, b) => a - b)[0];
    this.log.insertBefore(line, after === undefined ? null : this.lines.get(after)!);
    this.lines.set(key, line);
    if (stickToBottom) this.log.scrollTop = this.log.scrollHeight;
  }
}
