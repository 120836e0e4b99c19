/**
 * The server's two entry points for a client: the websocket at `/rtc`, and `/rtc/validate`,
 * which answers the same admission check as plain HTTP because a browser cannot read why an
 * upgrade failed.
 */
import { BifrostError, isServerErrorCode } from './errors.js';

export type FetchFunction = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * The server's base address from what the app passed: `http(s)://` or `ws(s)://`, with or
 * without a path prefix (a proxy's), with or without a trailing `/rtc`. A relative address is
 * resolved against the page's.
 */
export function serverBase(url: string): URL {
  let base: URL;
  try {
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    base = page ? new URL(url, page) : new URL(url);
  } catch {
    throw new BifrostError('bad-request', `not a server address: '${url}'`);
  }
  if (base.protocol === 'ws:') base.protocol = 'http:';
  else if (base.protocol === 'wss:') base.protocol = 'https:';
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new BifrostError('bad-request', `the server address must be http(s) or ws(s), not ${base.protocol}`);
  }
  base.pathname = base.pathname.replace(/\/+$/, '').replace(/\/rtc$/, '');
  base.search = '';
  base.hash = '';
  return base;
}

/** What a reconnect gives back to resume its session: see "Resume" in docs/protocol.md. */
export interface ResumePoint {
  /** The `sessionId` of the dropped connection's `joined`. */
  sessionId: string;
  /** The highest `seq` applied: the server replays the room events after it. */
  lastSeq: number;
}

/** `ws(s)://host[/prefix]/rtc?access_token=…`, plus `&session=…&lastSeq=…` to resume. */
export function signalingUrl(base: URL, token: string, resume?: ResumePoint): string {
  const url = new URL(base.href);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/rtc`;
  url.search = `?access_token=${encodeURIComponent(token)}`;
  if (resume) url.search += `&session=${encodeURIComponent(resume.sessionId)}&lastSeq=${resume.lastSeq}`;
  return url.href;
}

/** `http(s)://host[/prefix]/rtc/validate?access_token=…` */
export function validateUrl(base: URL, token: string): string {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/rtc/validate`;
  url.search = `?access_token=${encodeURIComponent(token)}`;
  return url.href;
}

/** What `/rtc/validate` said about a token. */
export type Validation =
  /** The server would admit the token now. */
  | { kind: 'admitted'; room: string; identity: string; role: string; expiresAt: number }
  /** The server refused it, with its code and reason (`unauthorized`/`expired`…). */
  | { kind: 'refused'; error: BifrostError; status: number }
  /** No usable answer: unreachable, blocked (CORS), timed out, or not a Bifrost answer. */
  | { kind: 'unknown'; error: BifrostError };

/** Asks `/rtc/validate`; never throws. */
export async function validateToken(fetchFn: FetchFunction, url: string, timeoutMs: number): Promise<Validation> {
  const abort = typeof AbortController === 'function' ? new AbortController() : undefined;
  const timer = setTimeout(() => abort?.abort(), timeoutMs);
  try {
    const response = await fetchFn(url, { cache: 'no-store', credentials: 'omit', signal: abort?.signal });
    let body: { [k: string]: unknown } | null = null;
    try {
      const parsed: unknown = await response.json();
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as { [k: string]: unknown };
    } catch {
      body = null;
    }
    if (response.ok && body && body.ok === true) {
      return {
        kind: 'admitted',
        room: String(body.room ?? ''),
        identity: String(body.identity ?? ''),
        role: String(body.role ?? ''),
        expiresAt: typeof body.expiresAt === 'number' ? body.expiresAt : 0,
      };
    }
    const code = body?.code;
    const reason = typeof body?.reason === 'string' ? body.reason : undefined;
    const message = typeof body?.message === 'string' && body.message ? body.message : `/rtc/validate answered ${response.status}`;
    if (isServerErrorCode(code)) {
      return { kind: 'refused', error: new BifrostError(code, message, reason), status: response.status };
    }
    if (response.status === 401) return { kind: 'refused', error: new BifrostError('unauthorized', message, reason), status: 401 };
    if (response.status === 403) return { kind: 'refused', error: new BifrostError('forbidden', message, reason), status: 403 };
    return { kind: 'unknown', error: new BifrostError('connection-lost', `/rtc/validate gave no Bifrost answer (${response.status})`) };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { kind: 'unknown', error: new BifrostError('connection-lost', `the server could not be reached: ${detail}`) };
  } finally {
    clearTimeout(timer);
  }
}
