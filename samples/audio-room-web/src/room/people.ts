/**
 * The people in a room: the stage (hosts and speakers, as a grid of tiles with a ring around
 * whoever is talking) and the audience (listeners, raised hands first). A host gets buttons on
 * the others: invite to speak, mute, move back to the audience.
 */
import { h, hue, initials, replaceChildren } from '../dom';
import { icon } from '../icons';

/** One person as the views show them: you or someone else, as the room last described them. */
export interface Person {
  id: string;
  /** The app's user id: the same person keeps their colour across sessions and pages. */
  identity: string;
  name: string;
  role: string;
  handRaised: boolean;
  /** A host muted them. */
  muted: boolean;
  /** Broadcast rooms: their audio reaches the room. */
  publishing: boolean;
  local: boolean;
  /** You turned your own microphone off (only ever true for you). */
  selfMuted: boolean;
}

export interface HostActions {
  promote(person: Person): Promise<void>;
  demote(person: Person): Promise<void>;
  mute(person: Person, muted: boolean): Promise<void>;
}

const ROLE_LABEL: Record<string, string> = { host: 'Host', speaker: 'Speaker', listener: 'Listener' };

export function onStage(person: Person): boolean {
  return person.role === 'host' || person.role === 'speaker';
}

export class PeopleView {
  readonly stage = h('ul', { className: 'stage-grid', 'aria-label': 'On stage' });
  readonly audience = h('ul', { className: 'audience-list', 'aria-label': 'Listeners' });
  /** Tiles by participant id, each with what it shows: unchanged people keep their element. */
  private readonly tiles = new Map<string, { el: HTMLLIElement; shown: string }>();
  private speaking = new Set<string>();
  private readonly actions: HostActions;

  constructor(actions: HostActions) {
    this.actions = actions;
  }

  /** Shows `people` (you included); `viewerIsHost` adds the host's buttons to the others. */
  render(people: readonly Person[], viewerIsHost: boolean): void {
    const seen = new Set<string>();
    const stage: HTMLLIElement[] = [];
    const audience: HTMLLIElement[] = [];
    for (const person of order(people)) {
      seen.add(person.id);
      const shown = JSON.stringify([person, viewerIsHost]);
      let tile = this.tiles.get(person.id);
      if (!tile || tile.shown !== shown) {
        const el = onStage(person) ? this.stageTile(person, viewerIsHost) : this.audienceTile(person, viewerIsHost);
        el.classList.toggle('speaking', this.speaking.has(person.id));
        tile?.el.replaceWith(el);
        tile = { el, shown };
        this.tiles.set(person.id, tile);
      }
      (onStage(person) ? stage : audience).push(tile.el);
    }
    for (const [id, tile] of this.tiles) {
      if (!seen.has(id)) {
        tile.el.remove();
        this.tiles.delete(id);
      }
    }
    // appending an element already in place moves it: this keeps the order without rebuilding
    replaceChildrenKeepingFocus(this.stage, stage);
    replaceChildrenKeepingFocus(this.audience, audience);
  }

  /** Puts the ring on whoever is talking now. */
  setSpeaking(ids: ReadonlySet<string>): void {
    this.speaking = new Set(ids);
    for (const [id, tile] of this.tiles) tile.el.classList.toggle('speaking', ids.has(id));
  }

  private stageTile(person: Person, viewerIsHost: boolean): HTMLLIElement {
    const status = person.muted ? 'Muted by the host'
      : person.selfMuted ? 'Microphone off'
      : !person.publishing ? 'Connecting audio…'
      : '';
    const buttons: HTMLElement[] = [];
    if (viewerIsHost && !person.local) {
      buttons.push(this.button(person.muted ? `Unmute ${person.name}` : `Mute ${person.name}`,
        person.muted ? 'Unmute' : 'Mute', () => this.actions.mute(person, !person.muted)));
      if (person.role === 'speaker') {
        buttons.push(this.button(`Move ${person.name} to the audience`, 'To audience', () => this.actions.demote(person)));
      }
    }
    return h('li', {
      className: `tile stage-tile${person.local ? ' local' : ''}`, 'data-id': person.id, 'data-role': person.role,
      'aria-label': `${person.name}${person.local ? ' (you)' : ''}, ${ROLE_LABEL[person.role] ?? person.role}${status ? `, ${status}` : ''}`,
    },
    avatar(person, 'large'),
    h('div', { className: 'tile-name' }, person.name, person.local ? h('span', { className: 'you' }, ' (you)') : null),
    h('div', { className: 'tile-meta' },
      h('span', { className: `badge ${person.role}` }, ROLE_LABEL[person.role] ?? person.role),
      status ? h('span', { className: person.muted || person.selfMuted ? 'status muted-status' : 'status' }, status) : null),
    buttons.length ? h('div', { className: 'tile-actions' }, ...buttons) : null);
  }

  private audienceTile(person: Person, viewerIsHost: boolean): HTMLLIElement {
    return h('li', {
      className: `tile audience-tile${person.handRaised ? ' hand' : ''}${person.local ? ' local' : ''}`,
      'data-id': person.id, 'data-role': person.role,
    },
    avatar(person, 'small'),
    h('span', { className: 'tile-name' }, person.name, person.local ? h('span', { className: 'you' }, ' (you)') : null),
    person.handRaised ? h('span', { className: 'hand-icon' }, icon('hand', 'raised a hand')) : null,
    viewerIsHost && !person.local
      ? this.button(`Invite ${person.name} to speak`, 'Invite to speak', () => this.actions.promote(person), person.handRaised ? 'primary' : 'secondary')
      : null);
  }

  /** A host's button: disabled while its request runs (the room's update re-renders the tile). */
  private button(label: string, text: string, run: () => Promise<void>, kind = 'secondary'): HTMLButtonElement {
    const button = h('button', { type: 'button', className: `${kind} small`, 'aria-label': label }, text);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await run();
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }
}

function avatar(person: Person, size: 'large' | 'small'): HTMLElement {
  return h('span', { className: `avatar ${size}`, style: `--hue:${hue(person.identity)}`, 'aria-hidden': 'true' },
    initials(person.name),
    person.muted || person.selfMuted ? h('span', { className: 'mic-off' }, icon('micOff')) : null);
}

/** Hosts, then speakers, then raised hands, then the other listeners; join order within each. */
function order(people: readonly Person[]): Person[] {
  const rank = (p: Person) => (p.role === 'host' ? 0 : p.role === 'speaker' ? 1 : p.handRaised ? 2 : 3);
  return people.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(({ p }) => p);
}

/** Sets a list's children in order, moving only what moved, so a focused button stays focused. */
function replaceChildrenKeepingFocus(list: HTMLElement, children: HTMLElement[]): void {
  if (children.length === 0) {
    replaceChildren(list);
    return;
  }
  children.forEach((child, i) => {
    if (list.children[i] !== child) list.insertBefore(child, list.children[i] ?? null);
  });
  while (list.children.length > children.length) list.lastElementChild!.remove();
}
