/**
 * The read side of the devnet: the node's chain and mempool rendered as Esplora's JSON
 * (src/chain/esplora-types.ts). Amounts are plain numbers here, as on the wire.
 */
import type {
  EsploraAddress,
  EsploraAddressStats,
  EsploraOutspend,
  EsploraTx,
  EsploraTxStatus,
  EsploraUtxo,
  EsploraVout,
} from '../chain/esplora-types.ts';
import { revHex, type BFullNode, type BOutput, type BTX, type BTXMeta, type Hash } from './bcoin.ts';
import { indexKey, scriptAddress, scriptType } from './scripts.ts';

/** Esplora's page sizes for an address's history: Blockstream's, then mempool's. */
const MAX_MEMPOOL_TXS = 50;
const CHAIN_TXS_PER_PAGE = 25;
const MEMPOOL_PAGE = 50;

/** The `count` entries after the one with `txid`; none when it is not in the list, as electrs answers. */
function after(list: BTXMeta[], txid: string, count: number): BTXMeta[] {
  const i = list.findIndex((m) => m.tx.txid() === txid);
  return i < 0 ? [] : list.slice(i + 1, i + 1 + count);
}

export class EsploraView {
  private readonly node: BFullNode;

  constructor(node: BFullNode) {
    this.node = node;
  }

  /** The transaction with its prevouts and status, or null when neither chain nor mempool has it. */
  async tx(txid: string): Promise<EsploraTx<number> | null> {
    const meta = await this.node.getMeta(revHex(txid));
    return meta && this.txJson(meta);
  }

  async txHex(txid: string): Promise<string | null> {
    const meta = await this.node.getMeta(revHex(txid));
    return meta && meta.tx.toRaw().toString('hex');
  }

  /** Like Esplora, an unknown transaction is simply unconfirmed. */
  async txStatus(txid: string): Promise<EsploraTxStatus> {
    const meta = await this.node.getMeta(revHex(txid));
    return meta ? metaStatus(meta) : { confirmed: false };
  }

  /** Like Esplora, an unknown transaction or output reads as unspent. */
  async outspend(txid: string, vout: number): Promise<EsploraOutspend> {
    const meta = await this.node.getMeta(revHex(txid));
    return meta ? this.outspendOf(meta, vout) : { spent: false };
  }

  async outspends(txid: string): Promise<EsploraOutspend[] | null> {
    const meta = await this.node.getMeta(revHex(txid));
    if (!meta) return null;
    const out: EsploraOutspend[] = [];
    for (let vout = 0; vout < meta.tx.outputs.length; vout++) out.push(await this.outspendOf(meta, vout));
    return out;
  }

  async utxos(script: Buffer): Promise<EsploraUtxo<number>[]> {
    const key = indexKey(script);
    if (!key) return [];
    const coins = (await this.node.getCoinsByAddress([key])).filter((c) => c.script.toRaw().equals(script));
    const out: EsploraUtxo<number>[] = [];
    for (const coin of coins) {
      out.push({ txid: revHex(coin.hash), vout: coin.index, value: coin.value, status: await this.heightStatus(coin.height) });
    }
    return out;
  }

  /**
   * One page of the address's history, newest first (unconfirmed first, then confirmed by height
   * and block position), paged as Blockstream's electrs does: up to 50 unconfirmed and 25
   * confirmed, then 25 confirmed after `lastSeenTxid` (`/txs/chain/:last_seen_txid`).
   */
  async addressTxs(script: Buffer, lastSeenTxid?: string): Promise<EsploraTx<number>[]> {
    const { mempool, chain } = await this.orderedHistory(script);
    const page = lastSeenTxid === undefined ? [...mempool.slice(0, MAX_MEMPOOL_TXS), ...chain.slice(0, CHAIN_TXS_PER_PAGE)] : after(chain, lastSeenTxid, CHAIN_TXS_PER_PAGE);
    return Promise.all(page.map((m) => this.txJson(m)));
  }

  /** mempool's electrs: 50 at a time across unconfirmed and confirmed, the next 50 after `afterTxid`. */
  async addressTxsMempoolPaged(script: Buffer, afterTxid: string | null): Promise<EsploraTx<number>[]> {
    const { mempool, chain } = await this.orderedHistory(script);
    const all = [...mempool, ...chain];
    const page = afterTxid === null ? all.slice(0, MEMPOOL_PAGE) : after(all, afterTxid, MEMPOOL_PAGE);
    return Promise.all(page.map((m) => this.txJson(m)));
  }

  private async orderedHistory(script: Buffer): Promise<{ mempool: BTXMeta[]; chain: BTXMeta[] }> {
    const { metas } = await this.history(script);
    return {
      mempool: metas.filter((m) => m.height < 0).sort((a, b) => b.mtime - a.mtime),
      chain: metas.filter((m) => m.height >= 0).sort((a, b) => b.height - a.height || b.index - a.index),
    };
  }

  async address(address: string, script: Buffer): Promise<EsploraAddress<number>> {
    const { metas, funded } = await this.history(script);
    const chain = emptyStats();
    const mempool = emptyStats();
    for (const meta of metas) {
      const stats = meta.height >= 0 ? chain : mempool;
      stats.tx_count++;
      const txid = meta.tx.txid();
      meta.tx.outputs.forEach((output, vout) => {
        if (funded.has(`${txid}:${vout}`)) {
          stats.funded_txo_count++;
          stats.funded_txo_sum += output.value;
        }
      });
      for (const input of meta.tx.inputs) {
        const value = funded.get(`${revHex(input.prevout.hash)}:${input.prevout.index}`);
        if (value !== undefined) {
          stats.spent_txo_count++;
          stats.spent_txo_sum += value;
        }
      }
    }
    return { address, chain_stats: chain, mempool_stats: mempool };
  }

  /**
   * The transactions that pay to or spend from exactly `script`. The index matches hashes
   * only, so each candidate is checked: it must fund the script or spend an output that did
   * (every such output is itself funded by a transaction in the same list).
   */
  private async history(script: Buffer): Promise<{ metas: BTXMeta[]; funded: Map<string, number> }> {
    const key = indexKey(script);
    if (!key) return { metas: [], funded: new Map() };
    const candidates = await this.node.getMetaByAddress([key]);
    const funded = new Map<string, number>();
    for (const meta of candidates) {
      const txid = meta.tx.txid();
      meta.tx.outputs.forEach((output, vout) => {
        if (output.script.toRaw().equals(script)) funded.set(`${txid}:${vout}`, output.value);
      });
    }
    const metas = candidates.filter(
      (meta) =>
        meta.tx.outputs.some((o) => o.script.toRaw().equals(script)) ||
        meta.tx.inputs.some((i) => funded.has(`${revHex(i.prevout.hash)}:${i.prevout.index}`)),
    );
    return { metas, funded };
  }

  private async outspendOf(meta: BTXMeta, vout: number): Promise<EsploraOutspend> {
    const hash = meta.tx.hash('hex');
    const output = meta.tx.outputs[vout];
    if (!output) return { spent: false };
    const pending = this.node.mempool.getSpentTX(hash, vout);
    if (pending) return { spent: true, txid: pending.txid(), vin: spendingInput(pending, hash, vout), status: { confirmed: false } };
    // An output of an unconfirmed transaction that no mempool transaction spends is unspent.
    if (meta.height < 0 || (await this.node.chain.getCoin(hash, vout))) return { spent: false };
    // Spent in a block: bcoin keeps no spender index, but the spender touches the output's
    // script, so the address index leads to it.
    const key = indexKey(output.script.toRaw());
    if (!key) return { spent: false };
    for (const candidate of await this.node.chain.getMetaByAddress([key])) {
      const vin = spendingInput(candidate.tx, hash, vout);
      if (vin >= 0) return { spent: true, txid: candidate.tx.txid(), vin, status: metaStatus(candidate) };
    }
    return { spent: false };
  }

  private async txJson(meta: BTXMeta): Promise<EsploraTx<number>> {
    const tx = meta.tx;
    const coinbase = tx.isCoinbase();
    const view = coinbase ? null : await this.node.getMetaView(meta);
    let inputSum = 0;
    let prevoutsKnown = !coinbase;
    const vin = tx.inputs.map((input) => {
      const prev = view?.getOutputFor(input) ?? null;
      if (prev) inputSum += prev.value;
      else prevoutsKnown = false;
      const witness = input.witness.items.map((w) => w.toString('hex'));
      return {
        txid: revHex(input.prevout.hash),
        vout: input.prevout.index,
        prevout: prev && voutJson(prev),
        scriptsig: input.script.toRaw().toString('hex'),
        ...(witness.length > 0 ? { witness } : {}),
        is_coinbase: coinbase,
        sequence: input.sequence,
      };
    });
    const outputSum = tx.outputs.reduce((sum, o) => sum + o.value, 0);
    return {
      txid: tx.txid(),
      version: tx.version,
      locktime: tx.locktime,
      vin,
      vout: tx.outputs.map(voutJson),
      size: tx.getSize(),
      weight: tx.getWeight(),
      fee: prevoutsKnown ? inputSum - outputSum : 0,
      status: metaStatus(meta),
    };
  }

  private async heightStatus(height: number): Promise<EsploraTxStatus> {
    const entry = height >= 0 ? await this.node.chain.getEntryByHeight(height) : null;
    if (!entry) return { confirmed: false };
    return { confirmed: true, block_height: height, block_hash: revHex(entry.hash), block_time: entry.time };
  }
}

function metaStatus(meta: BTXMeta): EsploraTxStatus {
  if (meta.height < 0 || meta.block === null) return { confirmed: false };
  return { confirmed: true, block_height: meta.height, block_hash: revHex(meta.block), block_time: meta.time };
}

function voutJson(output: BOutput): EsploraVout<number> {
  const script = output.script.toRaw();
  const address = scriptAddress(script);
  return {
    scriptpubkey: script.toString('hex'),
    ...(address !== undefined ? { scriptpubkey_address: address } : {}),
    scriptpubkey_type: scriptType(script),
    value: output.value,
  };
}

function spendingInput(tx: BTX, hash: Hash, vout: number): number {
  return tx.inputs.findIndex((i) => i.prevout.hash === hash && i.prevout.index === vout);
}

function emptyStats(): EsploraAddressStats<number> {
  return { tx_count: 0, funded_txo_count: 0, funded_txo_sum: 0, spent_txo_count: 0, spent_txo_sum: 0 };
}
