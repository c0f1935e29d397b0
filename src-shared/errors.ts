// Errors that cross a process boundary (IPC, HTTP, CLI). Every failure a caller can see
// is a RaceError with a stable code; the message says what was wrong and where.

export const ERROR_CODES = {
  BAD_ARGS: 400,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  TOO_LARGE: 413,
  PLUGIN_FAILED: 422,
  RATE_LIMITED: 429,
  NOT_AVAILABLE: 501,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Machine-readable detail, e.g. the failing field paths of a validation error. */
  details?: unknown;
}

export class RaceError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'RaceError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorBody): RaceError {
    return new RaceError(body.code, body.message, body.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** What every transport carries back: a value, or an error body. Never a thrown stack. */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export function unwrapEnvelope<T>(envelope: Envelope<T>): T {
  if (envelope && envelope.ok === true) return envelope.value;
  if (envelope && envelope.ok === false && envelope.error && isErrorCode(envelope.error.code)) {
    throw RaceError.fromBody(envelope.error);
  }
  throw new RaceError('INTERNAL', 'malformed reply: expected { ok, value } or { ok: false, error }');
}
