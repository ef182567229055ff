/** Reading and checking the Paychan credential a request carries. */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../../core/errors.ts';
import { accessTokenHash, CREDENTIAL_HEADER, parseCredential, type Credential } from '../../core/http-binding.ts';

const CREDENTIAL_HEADER_LC = CREDENTIAL_HEADER.toLowerCase();

/**
 * The credential from Paychan-Credential, else from Authorization. Null when neither holds a
 * Paychan item (the site's own Authorization scheme passes through); SYNTAX_ERROR when one is malformed.
 */
export function readCredential(req: IncomingMessage): Credential | null {
  const own = req.headers[CREDENTIAL_HEADER_LC];
  const dedicated = Array.isArray(own) ? own.join(', ') : own;
  if (dedicated) {
    const c = parseCredential(dedicated);
    if (c) return c;
  }
  const auth = req.headers.authorization;
  return auth ? parseCredential(auth) : null;
}

/** Constant-time, so response timing tells an attacker nothing about a token's prefix. */
export function tokenMatches(token: Uint8Array, tokenHash: Uint8Array): boolean {
  const h = accessTokenHash(token);
  return h.length === tokenHash.length && timingSafeEqual(h, tokenHash);
}

export function assertToken(token: Uint8Array, tokenHash: Uint8Array): void {
  if (!tokenMatches(token, tokenHash)) throw new ProtocolError('BAD_CREDENTIAL', 'access token does not match this channel');
}
