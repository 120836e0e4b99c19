/**
 * The app's backend (samples/token-backend): who you are, the room list, and join tokens. It
 * serves this app too, so every call is same-origin and carries its session cookie.
 */

export interface Me {
  identity: string;
  name: string;
}

/** A room as Bifrost's REST API describes it; the backend passes the list on as is. */
export interface RoomSummary {
  name: string;
  mode: 'mesh' | 'broadcast';
  participants: number;
  metadata: string;
  managed: boolean;
}

export interface JoinGrant {
  token: string;
  role: 'host' | 'listener';
  bifrostUrl: string;
}

/** The backend answered with an error status; `message` is its `{"error": …}` text. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Requests that take longer are given up: the backend answers in milliseconds when it is up. */
const TIMEOUT_MS = 10_000;

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new ApiError(0, 'The app server cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // a proxy's HTML error page, say: fall through to the status
  }
  if (!response.ok) {
    const error = (json as { error?: unknown } | undefined)?.error;
    throw new ApiError(response.status, typeof error === 'string' && error ? error : `the server answered ${response.status}`);
  }
  return json as T;
}

/** You, or null when not logged in. */
export async function me(): Promise<Me | null> {
  try {
    return await call<Me>('GET', '/api/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function login(name: string): Promise<Me> {
  return call<Me>('POST', '/api/login', { name });
}

export async function rooms(): Promise<RoomSummary[]> {
  return (await call<{ rooms: RoomSummary[] }>('GET', '/api/rooms')).rooms ?? [];
}

/** Creates a broadcast room; you are remembered as its host. */
export function createRoom(name: string): Promise<RoomSummary> {
  return call<RoomSummary>('POST', '/api/rooms', { name });
}

/** A join token for `room`: host for its creator, listener for everyone else. */
export function joinToken(room: string): Promise<JoinGrant> {
  return call<JoinGrant>('POST', '/api/token', { room });
}
