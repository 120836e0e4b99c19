/**
 * One websocket session with a Bifrost server: join (or resume), requests answered by `id`,
 * keepalive. A Signaling object lives for one connection; the Room makes a new one to reconnect.
 */
import { BifrostError } from './errors.js';
import {
  decodeServer,
  encodeClient,
  isKnownServerType,
  peekId,
  type AckFrame,
  type AnswerFrame,
  type ClientMessage,
  type DisconnectFrame,
  type JoinedFrame,
  type PongFrame,
  type ResumedFrame,
  type ServerMessage,
} from './protocol.js';

/** `WebSocket.OPEN`, spelled out: not every runtime has a global WebSocket to read it from. */
const WS_OPEN = 1;
/** Used when `joined` advertises no usable keepalive (the protocol's defaults). */
const DEFAULT_PING_INTERVAL_MS = 10_000;
const DEFAULT_PING_TIMEOUT_MS = 30_000;
/** A private-use close code (4000-4999) for "we stopped hearing the server". */
export const CLOSE_PONG_TIMEOUT = 4000;

/** The frame that starts a session: `joined`, or `resumed` when the connection resumed one. */
export type SessionStart = JoinedFrame | ResumedFrame;

/** A request as the caller writes it: the Signaling assigns the `id`. */
export type RequestBody = ClientMessage extends infer M ? (M extends ClientMessage ? Omit<M, 'id'> : never) : never;

export interface SignalingOptions {
  /** How long a request (and the join) may wait for its answer. */
  requestTimeoutMs: number;
  webSocketFactory: (url: string) => WebSocket;
}

/** How a joined connection ended. */
export interface SignalingClosed {
  /** The websocket close code; {@link CLOSE_PONG_TIMEOUT} when the client gave up on the server. */
  code: number;
  reason: string;
  /** The server's `disconnect` frame, when it sent one before closing. */
  disconnect?: DisconnectFrame;
  /** What pending requests were rejected with. */
  error: BifrostError;
}

export interface SignalingListener {
  /**
   * A room event or relayed signal (never `joined`, `resumed`, `ack`, `pong`, nor an SFU answer
   * to a request: those are handled here).
   */
  onMessage(message: ServerMessage): void;
  /** An `error` frame that answers no pending request, or a frame that could not be decoded. */
  onError(error: BifrostError): void;
  /** The connection ended without {@link Signaling.close}: called once, last. */
  onClosed(closed: SignalingClosed): void;
}

/**
 * What answers a request: `ack`, `pong` for a ping, or the SFU's `answer` carrying the id of a
 * publisher offer.
 */
export type RequestAnswer = AckFrame | PongFrame | AnswerFrame;

interface Pending {
  type: string;
  resolve(answer: RequestAnswer): void;
  reject(error: BifrostError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A short prefix per request type makes ids readable in logs: o1, i2, c3… */
const ID_PREFIX: { [type: string]: string } = {
  offer: 'o', answer: 'a', candidate: 'i', chat: 'c', ping: 'k', leave: 'l',
  'raise-hand': 'h', 'lower-hand': 'h', promote: 'r', demote: 'r', mute: 'm', unpublish: 'u',
};

type Delivery = { kind: 'message'; message: ServerMessage } | { kind: 'error'; error: BifrostError } | { kind: 'closed'; closed: SignalingClosed };

export class Signaling {
  private ws: WebSocket | null = null;
  private counter = 0;
  private readonly pending = new Map<string, Pending>();
  private joinedFrame: SessionStart | null = null;
  private joinWaiter: { resolve(j: SessionStart): void; reject(e: BifrostError): void; timer: ReturnType<typeof setTimeout> } | null = null;
  private resumeError: BifrostError | undefined;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private disconnectFrame: DisconnectFrame | undefined;
  private listener: SignalingListener | null = null;
  /** Frames and the end that arrive between `joined` and {@link attach}, delivered in order. */
  private buffered: Delivery[] = [];
  private ended = false;

  constructor(private readonly url: string, private readonly options: SignalingOptions) {}

  /** The `joined` (or `resumed`) frame, once it came. */
  get joined(): SessionStart | null {
    return this.joinedFrame;
  }

  /**
   * Why the server could not resume the session this connection asked for (`resume-failed`),
   * when it said so; the `joined` of a new participant came instead.
   */
  get resumeFailure(): BifrostError | undefined {
    return this.resumeError;
  }

  /** Whether the websocket is open and the session joined. */
  get isOpen(): boolean {
    return !this.ended && this.joinedFrame !== null && this.ws !== null && this.ws.readyState === WS_OPEN;
  }

  /**
   * Opens the websocket and waits for `joined`, or `resumed` when the URL asks to resume a
   * session. Rejects with the server's code for an `error` frame before it (`room-full`),
   * `connection-lost` when the socket closes first (the caller may ask `/rtc/validate` why), or
   * `timeout`. A `resume-failed` error does not reject: the server sends `joined` right after it.
   */
  join(): Promise<SessionStart> {
    if (this.ws) return Promise.reject(new BifrostError('internal', 'join() was already called'));
    return new Promise<SessionStart>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failJoin(new BifrostError('timeout', `no joined frame within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.joinWaiter = { resolve, reject, timer };
      let ws: WebSocket;
      try {
        ws = this.options.webSocketFactory(this.url);
      } catch (e) {
        this.failJoin(new BifrostError('connection-lost', `cannot open the websocket: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
      this.ws = ws;
      ws.onmessage = (event: MessageEvent) => this.onFrame(event.data);
      ws.onclose = (event: CloseEvent) => this.onSocketClosed(event.code, event.reason);
      ws.onerror = () => {
        /* a close event follows, with the code */
      };
    });
  }

  /**
   * Starts delivering events to `listener`. Frames that came after `joined` (and the end of the
   * connection, if it already ended) are delivered first, synchronously.
   */
  attach(listener: SignalingListener): void {
    this.listener = listener;
    const buffered = this.buffered;
    this.buffered = [];
    for (const d of buffered) this.deliver(d);
  }

  /**
   * Sends a request with a fresh id and resolves with its answer (see {@link RequestAnswer}).
   * Rejects with a BifrostError: the server's code for an `error` answer, `timeout`, or
   * `connection-lost`.
   */
  request(body: RequestBody, timeoutMs: number = this.options.requestTimeoutMs): Promise<RequestAnswer> {
    const ws = this.ws;
    if (this.ended || !this.joinedFrame || !ws || ws.readyState !== WS_OPEN) {
      return Promise.reject(new BifrostError('connection-lost', `cannot send ${body.type}: not connected`));
    }
    const id = `${ID_PREFIX[body.type] ?? 'r'}${++this.counter}`;
    const frame = encodeClient({ ...body, id } as ClientMessage);
    return new Promise<RequestAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BifrostError('timeout', `no answer to ${body.type} ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { type: body.type, resolve, reject, timer });
      try {
        ws.send(frame);
      } catch (e) {
        this.settle(id)?.reject(new BifrostError('connection-lost', `cannot send ${body.type}: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  /**
   * Sends `leave`, waits for its answer (or the close, or `timeoutMs`), then closes with
   * 1000 `left`. Never rejects; {@link SignalingListener.onClosed} is not called.
   */
  async leave(timeoutMs: number): Promise<void> {
    if (this.isOpen) {
      await this.request({ type: 'leave' }, timeoutMs).catch(() => undefined);
    }
    this.close(1000, 'left');
  }

  /**
   * Ends the connection now, without waiting for the server: pending requests and a pending
   * join reject with `connection-lost`; {@link SignalingListener.onClosed} is not called.
   */
  close(code = 1000, reason = 'left'): void {
    if (this.ended) return;
    this.ended = true;
    const error = new BifrostError('connection-lost', `the connection was closed (${reason})`);
    this.shutdown(error);
    this.failJoin(error);
    this.closeSocket(code, reason);
    this.buffered = [];
  }

  // ---------------------------------------------------------------------------- incoming

  private onFrame(data: unknown): void {
    if (this.ended) return;
    if (typeof data !== 'string') {
      this.queue({ kind: 'error', error: new BifrostError('bad-request', 'the server sent a binary frame; protocol v1 has none') });
      return;
    }
    let message: ServerMessage;
    try {
      message = decodeServer(data);
    } catch (e) {
      this.onUndecodable(data, e);
      return;
    }
    switch (message.type) {
      case 'joined':
      case 'resumed':
        if (!this.joinedFrame) this.onJoined(message);
        return; // a second one is not in the protocol: ignored
      case 'ack':
      case 'pong':
        if (message.id !== undefined) this.settle(message.id)?.resolve(message);
        return;
      case 'error': {
        const error = new BifrostError(message.code, message.message);
        const pending = message.id !== undefined ? this.settle(message.id) : undefined;
        if (pending) pending.reject(error);
        else if (this.joinedFrame) this.queue({ kind: 'error', error });
        else if (message.code === 'resume-failed') this.resumeError = error; // a new participant's joined follows
        else this.failJoin(error); // room-full instead of joined
        return;
      }
      case 'disconnect':
        this.disconnectFrame = message; // the close follows; it is reported with it
        return;
      case 'answer': {
        const pending = message.id !== undefined ? this.settle(message.id) : undefined;
        if (pending) pending.resolve(message); // the SFU's answer to our publisher offer
        else if (this.joinedFrame) this.queue({ kind: 'message', message });
        return;
      }
      default:
        if (this.joinedFrame) this.queue({ kind: 'message', message }); // nothing else comes before joined or resumed
    }
  }

  private onUndecodable(data: string, cause: unknown): void {
    let type: unknown;
    try {
      type = (JSON.parse(data) as { type?: unknown }).type;
    } catch {
      type = undefined;
    }
    if (typeof type === 'string' && !isKnownServerType(type)) return; // a newer server's frame: skipped
    const detail = cause instanceof Error ? cause.message : String(cause);
    const id = peekId(data);
    const pending = id !== undefined ? this.settle(id) : undefined;
    if (pending) {
      pending.reject(new BifrostError('internal', `the answer to ${pending.type} ${id} could not be read: ${detail}`));
    } else if (!this.joinedFrame) {
      this.failJoin(new BifrostError('internal', `the server's first frame could not be read: ${detail}`));
    } else {
      this.queue({ kind: 'error', error: new BifrostError('bad-request', `the server sent a frame this SDK cannot read: ${detail}`) });
    }
  }

  private onJoined(joined: SessionStart): void {
    this.joinedFrame = joined;
    const waiter = this.joinWaiter;
    this.joinWaiter = null;
    if (waiter) clearTimeout(waiter.timer);
    const interval = positive(joined.pingInterval, DEFAULT_PING_INTERVAL_MS);
    const timeout = positive(joined.pingTimeout, DEFAULT_PING_TIMEOUT_MS);
    this.pingTimer = setInterval(() => this.ping(timeout), interval);
    waiter?.resolve(joined);
  }

  /** A ping whose pong does not come within pingTimeout means the connection is dead. */
  private ping(timeoutMs: number): void {
    this.request({ type: 'ping' }, timeoutMs).catch((e: BifrostError) => {
      if (e.code === 'timeout' && !this.ended) {
        this.end(CLOSE_PONG_TIMEOUT, 'pong-timeout',
          new BifrostError('connection-lost', `no pong within ${timeoutMs} ms: the connection is dead`));
      }
    });
  }

  private onSocketClosed(code: number, reason: string): void {
    if (this.ended) return;
    if (!this.joinedFrame) {
      this.ended = true;
      this.failJoin(new BifrostError('connection-lost',
        `the connection closed before joined (close code ${code}${reason ? `, ${reason}` : ''})`, reason || undefined));
      this.ws = null;
      return;
    }
    const why = this.disconnectFrame ? `the server disconnected: ${this.disconnectFrame.reason}` : `close code ${code}${reason ? `, ${reason}` : ''}`;
    this.end(code, reason, new BifrostError('connection-lost', `the connection closed (${why})`, reason || this.disconnectFrame?.reason));
  }

  /** The joined connection is over: reject what waits, report once. */
  private end(code: number, reason: string, error: BifrostError): void {
    if (this.ended) return;
    this.ended = true;
    this.shutdown(error);
    this.closeSocket(code, reason);
    const closed: SignalingClosed = { code, reason, error };
    if (this.disconnectFrame) closed.disconnect = this.disconnectFrame;
    this.queue({ kind: 'closed', closed });
  }

  // ---------------------------------------------------------------------------- plumbing

  private queue(delivery: Delivery): void {
    if (this.listener) this.deliver(delivery);
    else this.buffered.push(delivery);
  }

  private deliver(d: Delivery): void {
    const listener = this.listener;
    if (!listener) return;
    if (d.kind === 'message') listener.onMessage(d.message);
    else if (d.kind === 'error') listener.onError(d.error);
    else listener.onClosed(d.closed);
  }

  private settle(id: string): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  private shutdown(error: BifrostError): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    for (const id of Array.from(this.pending.keys())) this.settle(id)?.reject(error);
  }

  private failJoin(error: BifrostError): void {
    const waiter = this.joinWaiter;
    if (!waiter) return;
    this.joinWaiter = null;
    clearTimeout(waiter.timer);
    if (!this.ended) {
      this.ended = true;
      this.closeSocket(1000, 'join-failed');
    }
    waiter.reject(error);
  }

  /**
   * Closes without waiting for the close handshake: on a dead network a browser may take a long
   * time to report the close, and this session is over either way.
   */
  private closeSocket(code: number, reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    try {
      if (ws.readyState <= WS_OPEN) ws.close(code, reason);
    } catch {
      /* already closing */
    }
  }
}

function positive(value: number, fallback: number): number {
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
