/**
 * The devnet's HTTP face: the Esplora REST endpoints the wallet and server use, plus
 * `/devnet/faucet`, `/devnet/mine` and `/devnet/behaviour`. Bodies and status codes follow
 * Esplora (electrs): JSON or text/plain on success, a text/plain reason with 400/404 on failure;
 * the behaviour switches (behaviour.ts) make it answer as mempool.space or blockstream.info do.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ProtocolError } from '../core/errors.ts';
import { DevnetError } from './errors.ts';
import type { EsploraView } from './esplora-view.ts';
import type { DevnetNode } from './node.ts';
import { addressScript } from './scripts.ts';
import { revHex } from './bcoin.ts';
import { BehaviourSwitch } from './behaviour.ts';
import { feeEstimatesReply, mempoolFeesReply, rateLimitReply, type Reply } from './real-server.ts';

/** Esplora's cap on a request body; a standard transaction is at most 400 kB (800 kB as hex). */
const MAX_BODY_BYTES = 1_000_000;


type Params = Record<string, string>;
type Handler = (params: Params, req: IncomingMessage) => Promise<Reply>;

const json = (value: unknown): Reply => ({ status: 200, type: 'application/json', body: JSON.stringify(value) });
const text = (value: string | number): Reply => ({ status: 200, type: 'text/plain', body: String(value) });
const notFound = (what: string): Reply => ({ status: 404, type: 'text/plain', body: `${what} not found` });

export function createDevnetServer(devnet: DevnetNode, view: EsploraView, behaviour: BehaviourSwitch = new BehaviourSwitch()): Server {
  const mempoolFlavour = () => behaviour.get().flavour === 'mempool';
  const routes: [method: string, pattern: string, handler: Handler][] = [
    ['GET', '/blocks/tip/height', async () => text(devnet.tipHeight())],
    ['GET', '/blocks/tip/hash', async () => text(revHex(devnet.node.chain.tip.hash))],
    [
      'GET',
      '/block-height/:height',
      async (p) => {
        const entry = await devnet.node.chain.getEntryByHeight(uintParam(p.height!, 'height'));
        return entry ? text(revHex(entry.hash)) : notFound('Block');
      },
    ],
    [
      'GET',
      '/block/:hash',
      async (p) => {
        // Esplora's block summary, the fields a chain check reads.
        const entry = await devnet.node.chain.getEntryByHash(revHex(txidParam(p.hash!)));
        return entry ? json({ id: revHex(entry.hash), height: entry.height, timestamp: entry.time, previousblockhash: revHex(entry.prevBlock) }) : notFound('Block');
      },
    ],
    ['GET', '/fee-estimates', async () => feeEstimatesReply(behaviour.get())],
    ['GET', '/v1/fees/recommended', async () => mempoolFeesReply(behaviour.get(), false)],
    ['GET', '/v1/fees/precise', async () => mempoolFeesReply(behaviour.get(), true)],
    ['GET', '/address/:address', async (p) => json(await view.address(p.address!, scriptParam(p.address!)))],
    [
      'GET',
      '/address/:address/utxo',
      async (p) => {
        const utxos = await view.utxos(scriptParam(p.address!));
        const limit = behaviour.get().utxoLimit;
        // electrs's refusal, word for word, for an address with too many coins.
        if (utxos.length > limit) return { status: 400, type: 'text/plain', body: `Too many unspent transaction outputs (>${limit}). Contact support to raise limits.` };
        return json(utxos);
      },
    ],
    [
      'GET',
      '/address/:address/txs',
      async (p, req) => {
        const script = scriptParam(p.address!);
        if (!mempoolFlavour()) return json(await view.addressTxs(script));
        const afterTxid = new URL(req.url ?? '/', 'http://devnet').searchParams.get('after_txid');
        return json(await view.addressTxsMempoolPaged(script, afterTxid === null ? null : txidParam(afterTxid)));
      },
    ],
    ['GET', '/address/:address/txs/chain/:txid', async (p) => json(await view.addressTxs(scriptParam(p.address!), txidParam(p.txid!)))],
    ['GET', '/tx/:txid', async (p) => orNotFound(await view.tx(txidParam(p.txid!)), json)],
    ['GET', '/tx/:txid/hex', async (p) => orNotFound(await view.txHex(txidParam(p.txid!)), text)],
    ['GET', '/tx/:txid/status', async (p) => json(await view.txStatus(txidParam(p.txid!)))],
    [
      'GET',
      '/tx/:txid/outspend/:vout',
      async (p) => json(await view.outspend(txidParam(p.txid!), uintParam(p.vout!, 'vout'))),
    ],
    ['GET', '/tx/:txid/outspends', async (p) => orNotFound(await view.outspends(txidParam(p.txid!)), json)],
    [
      'POST',
      '/tx',
      async (_, req) => {
        const sent = devnet.broadcast((await readBody(req)).trim());
        if (!behaviour.get().loseBroadcastAnswers) return text(await sent);
        // The node decides, then the answer is lost on its way back, as behind a failing proxy.
        await sent.catch(() => undefined);
        return { status: 502, type: 'text/html', body: '<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>' };
      },
    ],
    [
      'POST',
      '/devnet/faucet',
      async (_, req) => {
        const body = await readJson(req);
        const address = stringField(body, 'address');
        return json({ txid: await devnet.faucet(address, satsField(body, 'sats')) });
      },
    ],
    [
      'POST',
      '/devnet/mine',
      async (_, req) => {
        const body = await readJson(req);
        const blocks = body.blocks;
        if (typeof blocks !== 'number') throw new DevnetError(400, 'blocks must be a number');
        const address = body.address === undefined ? undefined : stringField(body, 'address');
        return json({ height: await devnet.mine(blocks, address) });
      },
    ],
    ['GET', '/devnet/behaviour', async () => json(behaviour.get())],
    ['POST', '/devnet/behaviour', async (_, req) => json(behaviour.set(await readJson(req)))],
  ];

  return createServer((req, res) => {
    void handle(req, res, routes, behaviour);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: [string, string, Handler][], behaviour: BehaviourSwitch): Promise<void> {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type',
      'Access-Control-Max-Age': '86400',
    });
    res.end();
    return;
  }
  let reply: Reply;
  try {
    const path = new URL(req.url ?? '/', 'http://devnet').pathname;
    reply = behaviour.refuses(req.method ?? 'GET', path) ? rateLimitReply(behaviour.get().rateLimit) : await dispatch(req, routes);
  } catch (err) {
    reply = errorReply(err);
  }
  if (res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'Content-Type': `${reply.type}; charset=utf-8` });
  res.end(reply.body);
}

async function dispatch(req: IncomingMessage, routes: [string, string, Handler][]): Promise<Reply> {
  const path = new URL(req.url ?? '/', 'http://devnet').pathname;
  const segments = path.split('/').slice(1);
  for (const [method, pattern, handler] of routes) {
    if (method !== req.method) continue;
    const params = match(pattern, segments);
    if (params) return handler(params, req);
  }
  return notFound(`${req.method} ${path.slice(0, 200)}:`);
}

function match(pattern: string, segments: string[]): Params | null {
  const parts = pattern.split('/').slice(1);
  if (parts.length !== segments.length) return null;
  const params: Params = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = segments[i]!;
    if (part.startsWith(':')) {
      if (segment === '') return null;
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}

function errorReply(err: unknown): Reply {
  if (err instanceof DevnetError) return { status: err.status, type: 'text/plain', body: err.message };
  if (err instanceof ProtocolError) return { status: 400, type: 'text/plain', body: err.message };
  return { status: 500, type: 'text/plain', body: `internal error: ${(err as Error).message}` };
}

function orNotFound<T>(value: T | null, reply: (v: T) => Reply): Reply {
  return value === null ? notFound('Transaction') : reply(value);
}

function txidParam(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new DevnetError(400, 'Invalid txid: expected 64 hex digits');
  return value.toLowerCase();
}

function uintParam(value: string, name: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(value) || Number(value) > 0xffffffff) {
    throw new DevnetError(400, `Invalid ${name}: expected a whole number`);
  }
  return Number(value);
}

function scriptParam(address: string): Buffer {
  try {
    return addressScript(address);
  } catch {
    throw new DevnetError(400, `Invalid regtest address: ${address.slice(0, 100)}`);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new DevnetError(413, 'Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (err) {
    if (err instanceof DevnetError) throw err;
    throw new DevnetError(400, 'body must be a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DevnetError(400, 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new DevnetError(400, `${name} must be a string`);
  return value;
}

/** Satoshis as a JSON number or, for amounts a double cannot hold exactly, a decimal string. */
function satsField(body: Record<string, unknown>, name: string): bigint {
  const value = body[name];
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(value)) return BigInt(value);
  throw new DevnetError(400, `${name} must be a whole number of satoshis`);
}
