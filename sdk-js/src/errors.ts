/**
 * The one error type of the SDK. `code` is what programs branch on; `message` is for people.
 */

/**
 * The error codes the server puts on the wire (an `error` frame, or a refused connection).
 * `resume-failed` never reaches the app: the server follows it with a fresh `joined`, which the
 * room takes as a rejoin. `sfu-unavailable`: no SFU can carry a broadcast room's audio now.
 */
export type ServerErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'bad-request'
  | 'not-found'
  | 'room-full'
  | 'duplicate-identity'
  | 'rate-limited'
  | 'too-large'
  | 'unavailable'
  | 'internal'
  | 'resume-failed'
  | 'sfu-unavailable';

/**
 * Every code a {@link BifrostError} can carry: the server's, plus two the client detects itself.
 * - `connection-lost`: the websocket closed (or was never opened) before the answer came.
 * - `timeout`: no answer within the request timeout.
 */
export type ErrorCode = ServerErrorCode | 'connection-lost' | 'timeout';

export const SERVER_ERROR_CODES: readonly ServerErrorCode[] = [
  'unauthorized',
  'forbidden',
  'bad-request',
  'not-found',
  'room-full',
  'duplicate-identity',
  'rate-limited',
  'too-large',
  'unavailable',
  'internal',
  'resume-failed',
  'sfu-unavailable',
];

export function isServerErrorCode(value: unknown): value is ServerErrorCode {
  return typeof value === 'string' && (SERVER_ERROR_CODES as readonly string[]).includes(value);
}

export class BifrostError extends Error {
  /** What went wrong, for programs: see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /**
   * The finer reason, when the server gave one: for a refused token `expired`, `bad-signature`,
   * `wrong-audience`…; `server-shutdown` for `unavailable` while a node drains;
   * `resumed-elsewhere` for `connection-lost` when the session moved to another connection.
   */
  readonly reason?: string;

  constructor(code: ErrorCode, message: string, reason?: string) {
    super(message);
    this.name = 'BifrostError';
    this.code = code;
    if (reason !== undefined) this.reason = reason;
  }
}

/**
 * A frame that breaks protocol v1: always code `bad-request`. `requestId` is the frame's `id`
 * when it had a valid one, exactly as the server would echo it in its `error` answer.
 */
export class ProtocolError extends BifrostError {
  readonly requestId?: string;

  constructor(message: string, requestId?: string) {
    super('bad-request', message);
    this.name = 'ProtocolError';
    if (requestId !== undefined) this.requestId = requestId;
  }
}

/** Any thrown value as a BifrostError with the given code, keeping a BifrostError as it is. */
export function asBifrostError(error: unknown, code: ErrorCode, context: string): BifrostError {
  if (error instanceof BifrostError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new BifrostError(code, `${context}: ${detail}`);
}
