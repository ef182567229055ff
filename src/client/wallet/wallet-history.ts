/** Transaction history: every transaction touching our addresses, with its net effect. */
import type { Tx } from '../../chain/esplora.ts';
import type { NetworkName } from '../../core/network.ts';
import type { TxKind, TxSummary } from '../views.ts';
import type { ChainService } from './chain-service.ts';
import type { ClientStore } from '../storage/client-store.ts';
import { pool, type WalletService } from './wallet-service.ts';

export class HistoryService {
  constructor(private readonly d: { wallet: WalletService; chain: ChainService; store: ClientStore }) {}

  async history(network?: NetworkName): Promise<TxSummary[]> {
    const net = network ?? (await this.d.wallet.network());
    const client = await this.d.chain.client(net);
    const own = await this.d.wallet.ownScripts(net);
    const used = [...own.values()].filter((a) => a.used);
    const txs = new Map<string, Tx>();
    for (const list of await pool(used, 8, (a) => client.getAddressTxs(a.address))) for (const tx of list) txs.set(tx.txid, tx);

    const labels = new Map<string, TxKind>();
    for (const r of await this.d.store.channels()) {
      if (r.network !== net) continue;
      if (r.channel.funding) labels.set(r.channel.funding.txid, 'channel-funding');
      if (r.channel.closingTxid) labels.set(r.channel.closingTxid, r.refund?.txid === r.channel.closingTxid ? 'channel-refund' : 'channel-settlement');
    }
    const replaced = new Map((await this.d.store.sent(net)).filter((s) => s.replacedBy).map((s) => [s.txid, s.replacedBy]));

    const out = [...txs.values()].map((tx): TxSummary => {
      let received = 0n;
      let spent = 0n;
      for (const o of tx.vout) if (own.has(o.scriptpubkey)) received += o.value;
      for (const i of tx.vin) if (i.prevout && own.has(i.prevout.scriptpubkey)) spent += i.prevout.value;
      const delta = received - spent;
      const allOurs = tx.vout.every((o) => own.has(o.scriptpubkey));
      const kind: TxKind = labels.get(tx.txid) ?? (spent === 0n ? 'receive' : allOurs ? 'self' : 'send');
      return {
        txid: tx.txid,
        kind,
        delta: String(delta),
        fee: String(tx.fee),
        confirmed: tx.status.confirmed,
        height: tx.status.block_height ?? null,
        time: tx.status.block_time ?? null,
        replacedBy: replaced.get(tx.txid) ?? null,
      };
    });
    // Unconfirmed first, then newest block first.
    const rank = (t: TxSummary) => t.height ?? Number.MAX_SAFE_INTEGER;
    return out.sort((a, b) => rank(b) - rank(a));
  }
}
