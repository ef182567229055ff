/**
 * The write side of the devnet: a bcoin full node on regtest that mines, pays from its own
 * coinbase coins and accepts transactions exactly as its mempool judges them.
 */
import { sha256 } from '@noble/hashes/sha2';
import { MAX_MONEY } from '../core/amounts.ts';
import { ProtocolError } from '../core/errors.ts';
import {
  bcoin,
  CONSENSUS_SCRIPT_FLAGS,
  isScriptError,
  isVerifyError,
  type BAddress,
  type BFullNode,
  type BKeyRing,
  type BTX,
} from './bcoin.ts';
import { DevnetError, TxRejectedError } from './errors.ts';
import { addressScript, indexKey, scriptAddress } from './scripts.ts';

/**
 * bcoin's regtest activates segwit and CSV only by BIP9 signalling, which completes at this
 * height; before it, witness spends are not validated at all.
 */
export const ACTIVATION_HEIGHT = 432;

/** The most blocks one request may mine (about ten seconds of work). */
export const MAX_MINE_BLOCKS = 10_000;

/** bcoin's miner leaves out transactions it deems free; 3 sat/vB stays clear of that. */
const FAUCET_FEE_RATE_SAT_PER_VB = 3;

/**
 * The mining wallet's key is derived from a public string: it only ever holds regtest coins,
 * and a fixed key lets a chain kept in a data directory be spent again after a restart.
 */
const MINER_PRIVATE_KEY = Buffer.from(sha256(new TextEncoder().encode('paychan devnet miner key')));

export interface DevnetNodeOptions {
  /** Keep the chain in this directory across restarts; in memory when absent. */
  dataDir?: string;
  /**
   * Seconds the node's clock is set behind (negative) or ahead of the real one, so the blocks it
   * mines carry those times: -3 * 3600 makes a devnet whose tip is always three hours old, as a
   * stalled backend's would be. bcoin keeps the clock offset on its regtest Network object, which
   * every node of the process shares.
   */
  clockOffsetSeconds?: number;
}

export class DevnetNode {
  readonly node: BFullNode;
  /** The bech32 address coinbase rewards go to unless a caller names another. */
  readonly minerAddress: string;
  private readonly minerRing: BKeyRing;
  private readonly minerScript: Buffer;
  /** Every state change runs alone, so the faucet never picks a coin another call is spending. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(node: BFullNode) {
    this.node = node;
    this.minerRing = bcoin.KeyRing.fromPrivate(MINER_PRIVATE_KEY, true);
    this.minerRing.witness = true;
    this.minerScript = Buffer.concat([Buffer.from([0x00, 0x14]), this.minerRing.getKeyHash()]);
    this.minerAddress = scriptAddress(this.minerScript)!;
  }

  /** Opens the node and mines up to the activation height if the chain is not there yet. */
  static async open(options: DevnetNodeOptions = {}): Promise<DevnetNode> {
    const node = new bcoin.FullNode({
      network: 'regtest',
      memory: options.dataDir === undefined,
      ...(options.dataDir !== undefined ? { prefix: options.dataDir } : {}),
      listen: false,
      workers: false,
      indexTX: true,
      indexAddress: true,
      // bcoin's regtest accepts non-standard transactions; Core's does not, and neither
      // should a devnet meant to catch what mainnet would refuse (dust, odd scripts).
      requireStandard: true,
      logLevel: 'none',
    });
    // The devnet serves its own API; bcoin's RPC server would only hold a fixed port (48332),
    // so no two devnets could run side by side.
    node.http.open = async () => {};
    node.http.close = async () => {};
    if (options.dataDir !== undefined) await node.ensure();
    if (options.clockOffsetSeconds !== undefined) node.network.time.offset = options.clockOffsetSeconds;
    await node.open();
    const devnet = new DevnetNode(node);
    try {
      const missing = ACTIVATION_HEIGHT - node.chain.height;
      if (missing > 0) await devnet.mine(missing);
    } catch (err) {
      await node.close();
      throw err;
    }
    return devnet;
  }

  tipHeight(): number {
    return this.node.chain.height;
  }

  /** Mines `blocks` blocks paying `address` (default: the mining wallet); resolves the new height. */
  async mine(blocks: number, address?: string): Promise<number> {
    if (!Number.isSafeInteger(blocks) || blocks < 1 || blocks > MAX_MINE_BLOCKS) {
      throw new DevnetError(400, `blocks must be a whole number from 1 to ${MAX_MINE_BLOCKS}`);
    }
    const payee = address === undefined ? this.minerRing.getAddress() : bcoinAddress(address);
    return this.exclusive(async () => {
      for (let i = 0; i < blocks; i++) {
        const job = await this.node.miner.createJob(null, payee);
        const block = await job.mineAsync();
        if (!(await this.node.chain.add(block))) throw new Error('the chain did not connect a block it mined');
      }
      return this.node.chain.height;
    });
  }

  /** Pays `sats` to `address` from the mining wallet's confirmed coins; resolves the txid. */
  async faucet(address: string, sats: bigint): Promise<string> {
    const script = parseAddress(address);
    if (sats < 1n || sats > MAX_MONEY) throw new DevnetError(400, 'sats must be from 1 to 2100000000000000');
    return this.exclusive(async () => {
      const coins = (await this.node.getCoinsByAddress([indexKey(this.minerScript)!])).filter(
        (c) => c.height >= 0 && c.script.toRaw().equals(this.minerScript),
      );
      const mtx = new bcoin.MTX();
      mtx.addOutput(bcoin.Script.fromRaw(script), Number(sats));
      try {
        await mtx.fund(coins, {
          changeAddress: this.minerRing.getAddress(),
          rate: FAUCET_FEE_RATE_SAT_PER_VB * 1000,
          height: this.node.chain.height,
        });
      } catch (err) {
        throw new DevnetError(400, `the faucet cannot pay ${sats} sats from its mature coins (${(err as Error).message}); mine more blocks`);
      }
      mtx.sign(this.minerRing);
      return this.accept(mtx.toTX());
    });
  }

  /** Submits a raw transaction to the mempool; resolves its txid or throws TxRejectedError. */
  async broadcast(hex: string): Promise<string> {
    const tx = decodeTx(hex);
    return this.exclusive(() => this.accept(tx));
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.node.close();
  }

  private async accept(tx: BTX): Promise<string> {
    const hash = tx.hash('hex');
    // Bitcoin Core answers a rebroadcast of a transaction it already holds with its txid.
    if (this.node.mempool.hasEntry(hash)) return tx.txid();
    if (await this.node.chain.hasTX(hash)) throw new TxRejectedError(-27, 'Transaction already in block chain');
    let missing: string[] | null;
    try {
      missing = await this.node.mempool.addTX(tx);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      if (err.reason === 'non-mandatory-script-verify-flag') {
        throw new TxRejectedError(-26, await this.scriptFailure(tx));
      }
      throw new TxRejectedError(-26, err.reason);
    }
    // bcoin keeps a transaction with unknown or already-spent inputs as an orphan instead of
    // refusing it; Core refuses it, and a client must learn that its inputs are gone.
    if (missing !== null) {
      this.node.mempool.removeOrphan(hash);
      throw new TxRejectedError(-25, 'bad-txns-inputs-missingorspent');
    }
    return tx.txid();
  }

  /**
   * bcoin's mempool counts only P2SH as mandatory, so it calls every failed witness script a
   * mere policy failure. Core counts segwit, CLTV and CSV as consensus too and says
   * `mandatory-script-verify-flag-failed (...)` for a forged signature; so re-check against
   * those rules to tell the two apart the way Core's answer does.
   */
  private async scriptFailure(tx: BTX): Promise<string> {
    const view = await this.node.mempool.getCoinView(tx);
    for (const [index, input] of tx.inputs.entries()) {
      const coin = view.getOutputFor(input);
      if (!coin) continue;
      try {
        tx.checkInput(index, coin, CONSENSUS_SCRIPT_FLAGS);
      } catch (err) {
        if (isScriptError(err)) return `mandatory-script-verify-flag-failed (${err.message})`;
        throw err;
      }
    }
    return 'non-mandatory-script-verify-flag';
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function parseAddress(address: string): Buffer {
  try {
    return addressScript(address);
  } catch (err) {
    if (err instanceof ProtocolError) throw new DevnetError(400, `not a regtest address: ${address.slice(0, 100)}`);
    throw err;
  }
}

function bcoinAddress(address: string): BAddress {
  const payee = bcoin.Address.fromScript(bcoin.Script.fromRaw(parseAddress(address)));
  if (!payee) throw new DevnetError(400, `cannot mine to ${address.slice(0, 100)}: bcoin has no address type for it`);
  return payee;
}

function decodeTx(hex: string): BTX {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new TxRejectedError(-22, 'TX decode failed: body is not hex');
  const raw = Buffer.from(hex, 'hex');
  let tx: BTX;
  try {
    tx = bcoin.TX.fromRaw(raw);
  } catch (err) {
    throw new TxRejectedError(-22, `TX decode failed: ${(err as Error).message}`);
  }
  if (tx.getSize() !== raw.length) throw new TxRejectedError(-22, 'TX decode failed: trailing bytes after the transaction');
  return tx;
}
