/**
 * The admin token: 32 random bytes, base64url, in a file only its owner may read (0600) next to
 * the config. Kept in the clear rather than hashed because `paychan-admin` reads it back to call
 * the API; the file's mode is what protects it, so a file others can read is refused.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';

export class AdminTokenError extends Error {
  override name = 'AdminTokenError';
}

/** Shorter than this is not a token we made: refused rather than guessed at. */
const MIN_TOKEN_LENGTH = 32;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes a new token to `path` (mode 0600); refuses to replace one unless `replace`. Answers the token. */
export function writeTokenFile(path: string, opts: { replace?: boolean } = {}): string {
  const token = newToken();
  try {
    writeFileSync(path, token + '\n', { flag: opts.replace ? 'w' : 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new AdminTokenError(`${path} already exists (paychan-admin token --rotate replaces it)`);
    throw new AdminTokenError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return token;
}

/** The token in `path`; refuses a missing, short, or group/world-readable file. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) throw new AdminTokenError(`${path} is readable by others (mode ${mode.toString(8)}): chmod 600 ${path}`);
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if (err instanceof AdminTokenError) throw err;
    throw new AdminTokenError(`cannot read the admin token ${path}: ${(err as Error).message} (paychan-admin token makes one)`);
  }
  return checkToken(text, path);
}

export function checkToken(token: string, where: string): string {
  if (token.length < MIN_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw new AdminTokenError(`${where}: an admin token is at least ${MIN_TOKEN_LENGTH} base64url characters`);
  return token;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether an Authorization header carries `token`, compared in constant time (over digests, so lengths may differ). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}
