/**
 * Bifrost Rooms: sign in with a name, pick or start a room in the lobby, and talk or listen.
 * The hash is the route (`#/` the lobby, `#/room/<name>` a room), so a reload goes back to
 * where you were, and the back button leaves a room.
 */
import './style.css';
import * as api from './api';
import { h, replaceChildren } from './dom';
import { showLobby } from './lobby';
import { showLogin } from './login';
import { showRoom } from './room/room-view';

/** What a view hands back: the router disposes of it before showing the next one. */
export interface View {
  dispose(): void;
}

const root = document.getElementById('app')!;
let current: View | null = null;
/** Routes may overlap (a hash change during a slow /api/me): only the newest one shows. */
let generation = 0;

async function route(): Promise<void> {
  const mine = ++generation;
  current?.dispose();
  current = null;
  let me: api.Me | null;
  try {
    me = await api.me();
  } catch (e) {
    if (mine === generation) showUnreachable(e);
    return;
  }
  if (mine !== generation) return;
  if (!me) {
    current = showLogin(root, () => void route());
    return;
  }
  const room = /^#\/room\/(.+)$/.exec(location.hash);
  if (room) {
    current = showRoom(root, me, decodeURIComponent(room[1]), { exit: () => navigate('#/'), rejoin: () => void route() });
  } else {
    current = showLobby(root, me, { join: (name) => navigate(`#/room/${encodeURIComponent(name)}`) });
  }
}

function navigate(hash: string): void {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function showUnreachable(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  replaceChildren(root, h('main', { className: 'centered' },
    h('section', { className: 'card', role: 'alert' },
      h('h1', {}, 'Bifrost Rooms is unavailable'),
      h('p', {}, message),
      h('button', { type: 'button', className: 'primary', onclick: () => void route() }, 'Try again'))));
}

window.addEventListener('hashchange', () => void route());
void route();
