/**
 * The protocol's error codes. They are stable: servers send them as the `code` of an
 * `application/problem+json` body and clients branch on them, so a code is never renamed.
 * docs/protocol.md §Errors lists each with its HTTP status and meaning.
 */
export const ERROR_CODES = {
  SYNTAX_ERROR: 400,
  BAD_PUBKEY: 400,
  NO_ACCEPTABLE_VERSION: 400,
  WRONG_NETWORK: 400,
  DEPOSIT_OUT_OF_RANGE: 400,
  TIME_WINDOW_UNACCEPTABLE: 400,
  FIRST_PAYMENT_TOO_SMALL: 400,
  FUNDING_MISMATCH: 400,
  UNSUPPORTED_CHANGE_SCRIPT: 400,
  BAD_SIGHASH_TYPE: 400,
  BAD_SIGNATURE: 400,
  AMOUNT_DECREASED: 409,
  CONFLICTING_SIGNATURE: 409,
  AMOUNT_EXCEEDS_CAPACITY: 400,
  CHANGE_BELOW_DUST: 400,
  BAD_CREDENTIAL: 401,
  INSUFFICIENT_CREDIT: 402,
  UNCONFIRMED_LIMIT: 402,
  UNKNOWN_CHANNEL: 404,
  NOT_FOUND: 404,
  CHANNEL_CLOSED: 410,
  CHANNEL_EXPIRING: 410,
  FUNDING_DOUBLE_SPENT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TIMEOUT: 408,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  CHAIN_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error a peer can be told about: it carries a stable code and a human-readable detail. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable fields for the problem body (e.g. the expected value). */
  readonly extra: Record<string, string | number>;

  constructor(code: ErrorCode, detail: string, extra: Record<string, string | number> = {}) {
    super(detail);
    this.name = 'ProtocolError';
    this.code = code;
    this.extra = extra;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** The RFC 9457 problem document for an error; `type` is a stable URN per code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  [extra: string]: string | number;
}

export function toProblem(err: ProtocolError): Problem {
  return {
    ...err.extra,
    type: `urn:paychan:error:${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: err.code,
    status: err.status,
    code: err.code,
    detail: err.message,
  };
}

/** Rebuilds a ProtocolError from a problem body received over the wire. */
export function fromProblem(body: unknown): ProtocolError {
  if (body && typeof body === 'object' && isErrorCode((body as Problem).code)) {
    const p = body as Problem;
    return new ProtocolError(p.code, typeof p.detail === 'string' ? p.detail : p.code);
  }
  return new ProtocolError('INTERNAL', 'peer sent an error without a recognised code');
}
