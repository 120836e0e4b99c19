/** The lobby: the rooms live now, and a form to start one. */
import * as api from './api';
import { h, replaceChildren } from './dom';
import type { View } from './main';
import { sentence } from './messages';
import { topbar } from './topbar';

/** How often the room list refreshes while the lobby is open: rooms come and go, counts change. */
const REFRESH_MS = 5_000;
/** Room names become URLs and Bifrost room ids: keep them to a safe, readable alphabet. */
const ROOM_NAME = /^[a-z0-9][a-z0-9\-]{0,62}$/;

export interface LobbyActions {
  join(room: string): void;
}

/**
 * The rooms you created in this browser. The backend decides who hosts a room (its creator);
 * this only labels your rooms in the list before you join them.
 */
function hostedRooms(me: api.Me): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(`bifrost-hosted:${me.identity}`) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

function rememberHosted(me: api.Me, room: string): void {
  const rooms = hostedRooms(me);
  rooms.add(room);
  localStorage.setItem(`bifrost-hosted:${me.identity}`, JSON.stringify([...rooms]));
}

export function showLobby(root: HTMLElement, me: api.Me, actions: LobbyActions): View {
  const list = h('ul', { className: 'room-list', 'aria-label': 'Rooms' });
  const listStatus = h('p', { className: 'muted', role: 'status' }, 'Loading rooms…');
  let disposed = false;
  /** What the list shows: redrawn only when it changed, so that a focused button stays focused. */
  let shown = '';

  async function refresh(): Promise<void> {
    try {
      const rooms = await api.rooms();
      if (disposed) return;
      const hosted = hostedRooms(me);
      const now = JSON.stringify([rooms, [...hosted]]);
      if (now === shown) return;
      shown = now;
      rooms.sort((a, b) => b.participants - a.participants || a.name.localeCompare(b.name));
      replaceChildren(list, ...rooms.map((room) => roomCard(room, hosted.has(room.name), actions)));
      listStatus.textContent = rooms.length === 0 ? 'No rooms are live. Start the first one!' : '';
    } catch (e) {
      if (disposed) return;
      shown = '';
      listStatus.textContent = `The room list could not be loaded: ${sentence(e instanceof Error ? e.message : String(e))}`;
    }
  }

  const nameInput = h('input', {
    id: 'new-room-name', name: 'room', type: 'text', required: true, maxlength: 63,
    pattern: ROOM_NAME.source.slice(1, -1), placeholder: 'jazz-night', autocomplete: 'off',
    'aria-describedby': 'new-room-hint',
  });
  const createError = h('p', { className: 'form-error', role: 'alert' });
  const createButton = h('button', { type: 'submit', className: 'primary' }, 'Create room');
  const form = h('form', { className: 'create-room', 'aria-labelledby': 'create-title' },
    h('h2', { id: 'create-title' }, 'Start a room'),
    h('label', { for: 'new-room-name' }, 'Room name'),
    h('div', { className: 'inline-form' }, nameInput, createButton),
    h('p', { id: 'new-room-hint', className: 'hint' }, 'Lowercase letters, digits and dashes. You will host it: you are on stage, everyone else listens until you invite them up.'),
    createError);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim().toLowerCase();
    if (!ROOM_NAME.test(name)) {
      createError.textContent = 'Use lowercase letters, digits and dashes, starting with a letter or digit.';
      return;
    }
    createButton.disabled = true;
    createError.textContent = '';
    try {
      await api.createRoom(name);
      rememberHosted(me, name);
      actions.join(name);
    } catch (e) {
      createError.textContent = e instanceof api.ApiError && e.status === 409
        ? `There is already a room called “${name}”. Pick another name, or join it from the list.`
        : `The room could not be created: ${sentence(e instanceof Error ? e.message : String(e))}`;
      createButton.disabled = false;
    }
  });

  replaceChildren(root,
    topbar(me),
    h('main', { className: 'lobby' },
      h('section', { className: 'panel', 'aria-labelledby': 'rooms-title' },
        h('div', { className: 'panel-head' },
          h('h2', { id: 'rooms-title' }, 'Live now'),
          h('button', { type: 'button', className: 'ghost', onclick: () => void refresh() }, 'Refresh')),
        listStatus,
        list),
      h('section', { className: 'panel' }, form)));

  void refresh();
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  const onFocus = () => void refresh();
  window.addEventListener('focus', onFocus);
  return {
    dispose() {
      disposed = true;
      window.clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    },
  };
}

function roomCard(room: api.RoomSummary, hosted: boolean, actions: LobbyActions): HTMLElement {
  const people = room.participants === 1 ? '1 person' : `${room.participants} people`;
  const label = hosted ? 'Join as host' : 'Listen in';
  return h('li', { className: 'room-card' },
    h('div', { className: 'room-card-body' },
      h('h3', {}, room.name),
      h('p', { className: 'muted' },
        h('span', { className: room.participants > 0 ? 'live-dot' : 'idle-dot', 'aria-hidden': 'true' }),
        room.participants > 0 ? `${people} in the room` : 'Nobody here yet'),
      h('p', { className: 'badges' },
        h('span', { className: 'badge' }, room.mode === 'broadcast' ? 'Stage' : 'Group call'),
        hosted ? h('span', { className: 'badge host' }, 'You host') : null)),
    h('button', {
      type: 'button', className: hosted ? 'primary' : 'secondary',
      'aria-label': `${label}: ${room.name}`, onclick: () => actions.join(room.name),
    }, label));
}
