/**
 * Reads a JSON request body with a size cap and a deadline, so a client can neither exhaust
 * memory with a huge body nor hold a connection open by sending it slowly.
 */
import type { IncomingMessage } from 'node:http';
import { ProtocolError } from '../../core/errors.ts';

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = (err: Error) => finish(err);
    // A client that hangs up mid-body leaves nobody to answer; the caller's write just goes nowhere.
    const onClose = () => finish(new ProtocolError('TIMEOUT', 'client closed the connection before the body arrived'));
    const timer = setTimeout(
      () => finish(new ProtocolError('TIMEOUT', `request body did not arrive within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(max: number): ProtocolError {
  return new ProtocolError('PAYLOAD_TOO_LARGE', `request body exceeds ${max} bytes`, { maxBytes: max });
}

/** Express's body parsers may have consumed the stream already; their result is used then. */
interface MaybeParsed extends IncomingMessage {
  body?: unknown;
}

/** Invalid UTF-8 is refused, not replaced with U+FFFD: a body means exactly what its bytes say. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The JSON body of a request. With `allowEmpty`, a body of no bytes reads as null (a close may
 * carry no payment); otherwise it is a SYNTAX_ERROR, as is invalid UTF-8 or invalid JSON.
 */
export async function readJson(req: IncomingMessage, limits: BodyLimits, opts: { allowEmpty?: boolean } = {}): Promise<unknown> {
  const pre = (req as MaybeParsed).body;
  if (req.readableEnded && pre !== undefined && typeof pre === 'object' && !Buffer.isBuffer(pre)) return pre;
  const raw = await readBody(req, limits);
  if (raw.length === 0) {
    if (opts.allowEmpty) return null;
    throw new ProtocolError('SYNTAX_ERROR', 'request body is empty; expected JSON');
  }
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    throw new ProtocolError('SYNTAX_ERROR', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError('SYNTAX_ERROR', 'request body is not valid JSON');
  }
}
