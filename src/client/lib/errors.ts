import { ProtocolError } from '../../core/errors.ts';
import { ClientRefusal } from '../../core/client-channel.ts';
import type { ClientErrorCode, ErrorInfo } from '../views.ts';

/** An error meant for the user, with a code the UI can branch on. */
export class WalletError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly details?: Record<string, string | number>,
  ) {
    super(message);
    this.name = 'WalletError';
  }
}

/**
 * A request to a server whose outcome is unknown: it may or may not have arrived. Callers keep
 * whatever they persisted and retry later; they never assume it failed.
 */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof WalletError) return { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
  if (err instanceof ProtocolError) {
    return { code: err.code, message: err.message, ...(Object.keys(err.extra).length ? { details: err.extra } : {}) };
  }
  if (err instanceof ClientRefusal) return { code: err.reason, message: err.message };
  if (err instanceof UnreachableError) return { code: 'UNREACHABLE', message: err.message };
  if (err instanceof Error && err.name === 'EsploraError') return { code: 'CHAIN_ERROR', message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
