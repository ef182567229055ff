/**
 * A typed window onto the parts of bcoin 1.0.2 the devnet uses. bcoin is CommonJS without
 * types, so everything it hands back is described here and nowhere else.
 *
 * Hashes: bcoin 1.0.2 passes transaction and block hashes around as little-endian hex strings
 * (`Hash`); `revHex` turns them into the big-endian txids and block hashes everyone else prints.
 */
import { createRequire } from 'node:module';
import { fixLeveldownRanges } from './leveldown-fix.ts';

/** Little-endian hex, as bcoin stores hashes. Never shown to a client without `revHex`. */
export type Hash = string;

export interface BScript {
  toRaw(): Buffer;
}

export interface BWitness {
  items: Buffer[];
}

export interface BOutpoint {
  hash: Hash;
  index: number;
}

export interface BInput {
  prevout: BOutpoint;
  script: BScript;
  witness: BWitness;
  sequence: number;
}

export interface BOutput {
  /** Satoshis; always a safe integer (at most 21e14). */
  value: number;
  script: BScript;
}

export interface BTX {
  version: number;
  locktime: number;
  inputs: BInput[];
  outputs: BOutput[];
  hash(enc: 'hex'): Hash;
  txid(): string;
  toRaw(): Buffer;
  getSize(): number;
  getWeight(): number;
  isCoinbase(): boolean;
  /** Runs input `index`'s scripts against `coin`; throws a ScriptError when they fail. */
  checkInput(index: number, coin: BOutput, flags: number): void;
}

export interface BTXMeta {
  tx: BTX;
  /** -1 while in the mempool. */
  height: number;
  /** Confirming block's hash, or null while in the mempool. */
  block: Hash | null;
  /** Confirming block's timestamp (seconds), 0 while in the mempool. */
  time: number;
  /** Position in the confirming block, -1 while in the mempool. */
  index: number;
  /** When the node first saw it, seconds since the epoch. */
  mtime: number;
}

export interface BCoin {
  hash: Hash;
  index: number;
  value: number;
  /** -1 while the creating transaction is in the mempool. */
  height: number;
  coinbase: boolean;
  script: BScript;
}

export interface BCoinView {
  getOutputFor(input: BInput): BOutput | null;
}

export interface BChainEntry {
  hash: Hash;
  prevBlock: Hash;
  height: number;
  time: number;
}

export interface BBlock {
  txs: BTX[];
}

export interface BAddress {
  readonly __brand: 'bcoin.Address';
}

/** What bcoin's address index is keyed by: the 20- or 32-byte hash or program in the script. */
export type AddressKey = Buffer;

export interface BChain {
  readonly height: number;
  readonly tip: BChainEntry;
  add(block: BBlock): Promise<BChainEntry | null>;
  getEntryByHeight(height: number): Promise<BChainEntry | null>;
  getEntryByHash(hash: Hash): Promise<BChainEntry | null>;
  getCoin(hash: Hash, index: number): Promise<BCoin | null>;
  getMeta(hash: Hash): Promise<BTXMeta | null>;
  getMetaByAddress(keys: AddressKey[]): Promise<BTXMeta[]>;
  hasTX(hash: Hash): Promise<boolean>;
}

export interface BMempool {
  /** Resolves null when accepted; a list of missing parents when kept as an orphan. */
  addTX(tx: BTX): Promise<Hash[] | null>;
  removeOrphan(hash: Hash): boolean;
  hasEntry(hash: Hash): boolean;
  getSpentTX(hash: Hash, index: number): BTX | null;
  /** The outputs `tx` spends, from the mempool or the chain's unspent set. */
  getCoinView(tx: BTX): Promise<BCoinView>;
}

export interface BCPUJob {
  mineAsync(): Promise<BBlock>;
}

export interface BMiner {
  createJob(tip: BChainEntry | null, address: BAddress): Promise<BCPUJob>;
}

export interface BService {
  open(): Promise<void>;
  close(): Promise<void>;
}

export interface BFullNode {
  readonly chain: BChain;
  /** bcoin's Network object (one per network, shared by the process): its `time.offset` in seconds shifts the node's clock. */
  readonly network: { time: { offset: number } };
  /** bcoin's own JSON-RPC/REST server, which FullNode always opens (regtest: port 48332). */
  readonly http: BService;
  readonly mempool: BMempool;
  readonly miner: BMiner;
  /** Creates the data directory (bcoin puts the chain under `<prefix>/regtest`). */
  ensure(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Chain coins minus those spent in the mempool, plus mempool coins. */
  getCoinsByAddress(keys: AddressKey[]): Promise<BCoin[]>;
  /** Chain and mempool transactions touching the keys. */
  getMetaByAddress(keys: AddressKey[]): Promise<BTXMeta[]>;
  getMeta(hash: Hash): Promise<BTXMeta | null>;
  getMetaView(meta: BTXMeta): Promise<BCoinView>;
}

export interface BFullNodeOptions {
  network: 'regtest';
  memory: boolean;
  prefix?: string;
  listen: false;
  workers: false;
  indexTX: true;
  indexAddress: true;
  /** Apply mainnet relay policy (standard scripts, dust) as Bitcoin Core's regtest does. */
  requireStandard: boolean;
  logLevel: 'none' | 'error' | 'warning' | 'info' | 'debug' | 'spam';
}

export interface BKeyRing {
  witness: boolean;
  getAddress(): BAddress;
  getKeyHash(): Buffer;
}

export interface BFundOptions {
  changeAddress: BAddress;
  /** Satoshis per 1000 virtual bytes. */
  rate: number;
  /** Chain height, so immature coinbase coins are skipped. */
  height: number;
}

export interface BMTX {
  addOutput(script: BScript, value: number): void;
  fund(coins: BCoin[], options: BFundOptions): Promise<unknown>;
  sign(ring: BKeyRing): number;
  toTX(): BTX;
}

interface AddressPrefix {
  pubkeyhash: number;
  scripthash: number;
  witnesspubkeyhash: number;
  witnessscripthash: number;
  bech32: string;
}

/** An error bcoin throws when a transaction or block breaks a rule. */
export interface BVerifyError extends Error {
  type: 'VerifyError';
  /** Bitcoin Core's reject reason, e.g. `non-final`. */
  reason: string;
}

interface BcoinModule {
  FullNode: new (options: BFullNodeOptions) => BFullNode;
  Network: { get(name: 'regtest'): { addressPrefix: AddressPrefix } };
  TX: { fromRaw(data: Buffer): BTX };
  MTX: new () => BMTX;
  KeyRing: { fromPrivate(key: Buffer, compressed: boolean): BKeyRing };
  Script: { fromRaw(data: Buffer): BScript };
  Address: { fromScript(script: BScript): BAddress | null };
  util: { revHex(hex: string): string };
}

function load(): BcoinModule {
  // Pure-JS crypto: the native backend does not build here and speed is not the point.
  process.env.NODE_BACKEND = 'js';
  const bcoin = createRequire(import.meta.url)('bcoin') as BcoinModule;
  fixLeveldownRanges();
  // bcoin's own regtest prefixes (`rb`, 0x3c, 0x26) differ from Bitcoin Core's; every other
  // tool (bitcoinjs-lib, wallets) expects Core's, so the devnet speaks those.
  const regtest = bcoin.Network.get('regtest');
  regtest.addressPrefix = { ...regtest.addressPrefix, pubkeyhash: 0x6f, scripthash: 0xc4, bech32: 'bcrt' };
  return bcoin;
}

export const bcoin: BcoinModule = load();

export function isVerifyError(err: unknown): err is BVerifyError {
  return err instanceof Error && (err as Partial<BVerifyError>).type === 'VerifyError';
}

/** A script that failed; `message` is bcoin's code, e.g. `EVAL_FALSE`. */
export function isScriptError(err: unknown): err is Error {
  return err instanceof Error && (err as { type?: unknown }).type === 'ScriptError';
}

/**
 * Bitcoin Core's consensus script flags once segwit and CSV are active (its
 * MANDATORY_SCRIPT_VERIFY_FLAGS minus taproot, which bcoin 1.0.2 does not know), as bcoin's
 * bit values: P2SH, DERSIG, NULLDUMMY, CHECKLOCKTIMEVERIFY, CHECKSEQUENCEVERIFY, WITNESS.
 */
export const CONSENSUS_SCRIPT_FLAGS = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 9) | (1 << 10) | (1 << 11);

/** Big-endian hex (a txid or block hash as printed) from bcoin's little-endian hash, and back. */
export function revHex(hex: string): string {
  return bcoin.util.revHex(hex);
}
