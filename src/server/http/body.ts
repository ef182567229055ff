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

export async function readJson(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const pre = (req as MaybeParsed).body;
  if (req.readableEnded && pre !== undefined && typeof pre === 'object' && !Buffer.isBuffer(pre)) return pre;
  const raw = await readBody(req, limits);
  if (raw.length === 0) throw new ProtocolError('SYNTAX_ERROR', 'request body is empty; expected JSON');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ProtocolError('SYNTAX_ERROR', 'request body is not valid JSON');
  }
}
