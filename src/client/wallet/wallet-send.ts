/** On-chain sends with a chosen fee rate; every send signals RBF and can be bumped later. */
import { Transaction } from 'bitcoinjs-lib';
import { DEFAULT_MIN_RELAY_KVB, formatSatPerVb, type SatPerKvb } from '../../core/amounts.ts';
import { ProtocolError } from '../../core/errors.ts';
import { addressToOutputScript } from '../../core/script.ts';
import { buildWalletTx, selectCoins, type BuiltTx } from '../../core/transactions.ts';
import type { SendResult } from '../views.ts';
import type { ChainService } from './chain-service.ts';
import type { Clock } from '../lib/clock.ts';
import { WalletError } from '../lib/errors.ts';
import type { SessionService } from '../session/session-service.ts';
import type { SentRecord } from '../storage/records.ts';
import type { ClientStore } from '../storage/client-store.ts';
import type { WalletService } from './wallet-service.ts';

/** Nobody wants a 10,000 sat/vB fee; a typo here costs real money. Sat/kvB, as every rate here. */
const MAX_FEE_RATE_KVB: SatPerKvb = 5_000_000n;

export class SendService {
  constructor(
    private readonly d: { wallet: WalletService; chain: ChainService; session: SessionService; store: ClientStore; clock: Clock },
  ) {}

  async send(address: string, amount: bigint, feeRateKvb: SatPerKvb): Promise<SendResult> {
    const network = await this.d.wallet.network();
    const script = addressToOutputScript(address, network);
    await this.checkFeeRate(network, feeRateKvb);
    if (amount <= 0n) throw new WalletError('INVALID_REQUEST', 'amount must be positive');
    return this.d.wallet.withCoins(async () => {
      const coins = await this.d.wallet.coins(network);
      let chosen;
      try {
        chosen = selectCoins(coins, amount, feeRateKvb);
      } catch (err) {
        if (err instanceof ProtocolError) throw new WalletError('INSUFFICIENT_FUNDS', err.message);
        throw err;
      }
      const change = await this.d.wallet.changeKey(network);
      const outputs = [{ script, value: amount }];
      const built = this.build(() => buildWalletTx({ coins: chosen, outputs, changeScript: change.script, feeRateKvb }));
      const record: SentRecord = {
        txid: built.txid,
        network,
        hex: built.hex,
        coins: chosen.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, chain: c.chain, index: c.index })),
        outputs,
        changeScript: change.script,
        feeRateKvb,
        fee: built.fee,
        createdAt: this.d.clock.now(),
        replacedBy: null,
      };
      // Stored before broadcast: if the worker dies in between, bumpFee still knows the coins.
      await this.d.store.putSent(record);
      await this.d.chain.broadcast(network, built.hex, built.txid);
      return { txid: built.txid, fee: String(built.fee), vsize: built.vsize };
    });
  }

  /** Re-signs the same coins and outputs at a higher rate; the extra fee comes out of change. */
  async bumpFee(txid: string, feeRateKvb: SatPerKvb): Promise<SendResult> {
    const old = await this.d.store.getSent(txid);
    if (!old) throw new WalletError('NOT_FOUND', 'not a transaction this wallet sent');
    if (old.replacedBy) throw new WalletError('INVALID_REQUEST', `already replaced by ${old.replacedBy}`);
    await this.checkFeeRate(old.network, feeRateKvb);
    // BIP125 rule 4: the replacement (same size) must pay the incremental relay fee on top.
    const least = old.feeRateKvb + DEFAULT_MIN_RELAY_KVB;
    if (feeRateKvb < least) throw new WalletError('INVALID_REQUEST', `the new fee rate must be at least ${formatSatPerVb(least)} sat/vB`);
    const status = await (await this.d.chain.client(old.network)).getTxStatus(txid);
    if (status.confirmed) throw new WalletError('INVALID_REQUEST', 'the transaction is already confirmed');
    const ring = await this.d.session.keys();
    return this.d.wallet.withCoins(async () => {
      const coins = old.coins.map((c) => ({ ...c, privateKey: ring.walletKey(old.network, c.chain, c.index).privateKey }));
      const built = this.build(() => buildWalletTx({ coins, outputs: old.outputs, changeScript: old.changeScript, feeRateKvb }));
      const next: SentRecord = { ...old, txid: built.txid, hex: built.hex, feeRateKvb, fee: built.fee, createdAt: this.d.clock.now(), replacedBy: null };
      await this.d.store.putSent(next);
      try {
        await this.d.chain.broadcast(old.network, built.hex, built.txid);
      } catch (err) {
        // The node kept the original (e.g. it does not do replacement): forget the replacement.
        await this.d.store.deleteSent(built.txid);
        throw err;
      }
      await this.d.store.putSent({ ...old, replacedBy: built.txid });
      return { txid: built.txid, fee: String(built.fee), vsize: built.vsize };
    });
  }

  private build(fn: () => BuiltTx): BuiltTx {
    try {
      const built = fn();
      Transaction.fromHex(built.hex); // sanity: what we store must parse back
      return built;
    } catch (err) {
      if (err instanceof ProtocolError) throw new WalletError('INSUFFICIENT_FUNDS', err.message);
      throw err;
    }
  }

  /** No send pays below the backend's minimum fee: the node would not relay it. */
  private async checkFeeRate(network: Parameters<ChainService['minFeeRate']>[0], feeRateKvb: SatPerKvb): Promise<void> {
    const min = await this.d.chain.minFeeRate(network);
    if (feeRateKvb < min || feeRateKvb > MAX_FEE_RATE_KVB) {
      throw new WalletError('INVALID_REQUEST', `fee rate must be from ${formatSatPerVb(min)} to ${formatSatPerVb(MAX_FEE_RATE_KVB)} sat/vB`);
    }
  }
}
