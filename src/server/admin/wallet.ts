/**
 * The server's own wallet, the P2WPKH key m/1017'/coin'/1'/0' of its seed that settlements pay
 * when no payoutAddress or payoutXpub is configured: `paychan-admin wallet` shows its balance,
 * `paychan-admin sweep ADDRESS` sends all of its confirmed coins to ADDRESS in one transaction at
 * the chain's fee estimate for feeTargetBlocks (never above maxFeeRate, never below feeRate).
 */
import type { Utxo } from '../../chain/esplora.ts';
import { FeeOracle } from '../../chain/fee-oracle.ts';
import type { FeeRates } from '../../chain/fee-rates.ts';
import { formatSatPerVb, type SatPerKvb } from '../../core/amounts.ts';
import { addressToOutputScript, outputScriptToAddress } from '../../core/script.ts';
import { buildWalletTx, type BuiltTx } from '../../core/transactions.ts';
import { settlementFeeRate } from '../chain.ts';
import type { PaychanConfig } from '../config.ts';
import type { ServerKeys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import { capped } from '../watcher/fees.ts';
import { AdminError } from './settle.ts';

/** What the wallet commands read of the chain and send to it (an EsploraClient). */
export interface WalletChain {
  getAddressUtxos(address: string): Promise<Utxo[]>;
  getFeeRates(): Promise<FeeRates>;
  broadcast(hex: string): Promise<string>;
}

export interface WalletBalance {
  address: string;
  /** Sat in confirmed coins: what a sweep sends, less its fee. */
  confirmed: bigint;
  /** Sat in coins not confirmed yet (a settlement in the mempool). */
  unconfirmed: bigint;
  coins: number;
}

export interface Sweep {
  txid: string;
  to: string;
  /** Sat the destination receives. */
  amount: bigint;
  fee: bigint;
  feeRateKvb: SatPerKvb;
  vsize: number;
}

export async function walletBalance(config: PaychanConfig, keys: ServerKeys, chain: WalletChain): Promise<WalletBalance> {
  const address = outputScriptToAddress(keys.defaultPayoutScript(), config.network);
  const coins = await chain.getAddressUtxos(address);
  const sum = (confirmed: boolean) => coins.filter((c) => c.status.confirmed === confirmed).reduce((s, c) => s + c.value, 0n);
  return { address, confirmed: sum(true), unconfirmed: sum(false), coins: coins.length };
}

/**
 * Sweeps the wallet's confirmed coins to `to`. Unconfirmed coins stay: a settlement in the
 * mempool may still be replaced by its fee bump, which would take the sweep with it.
 */
export async function sweepWallet(opts: { config: PaychanConfig; keys: ServerKeys; chain: WalletChain; to: string; logger: Logger }): Promise<Sweep> {
  const { config, keys, chain } = opts;
  let destination: Uint8Array;
  try {
    destination = addressToOutputScript(opts.to, config.network);
  } catch {
    throw new AdminError(`${opts.to} is not a ${config.network} address: sweep sends only to an address of the configured network`);
  }
  const address = outputScriptToAddress(keys.defaultPayoutScript(), config.network);
  const coins = (await chain.getAddressUtxos(address)).filter((c) => c.status.confirmed);
  if (coins.length === 0) throw new AdminError(`the server wallet ${address} has no confirmed coins to sweep`);
  const feeRateKvb = capped(await settlementFeeRate(new FeeOracle(() => chain.getFeeRates()), config.feeTargetBlocks, config.feeRateKvb, opts.logger), config.maxFeeRateKvb);
  const { privateKey } = keys.payoutKey();
  let built: BuiltTx;
  try {
    // No outputs but the "change", which takes everything less the fee: the whole balance moves.
    built = buildWalletTx({ coins: coins.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, privateKey })), outputs: [], changeScript: destination, feeRateKvb });
  } catch (err) {
    throw new AdminError(`cannot sweep ${address}: ${(err as Error).message}`);
  }
  const total = coins.reduce((s, c) => s + c.value, 0n);
  // buildWalletTx drops "change" below dust into the fee: here that would leave no output at all.
  if (built.tx.outs.length === 0) throw new AdminError(`the server wallet's ${total} sat cannot pay the fee at ${formatSatPerVb(feeRateKvb)} sat/vB and leave more than dust: nothing sent`);
  const amount = built.tx.outs[0]!.value;
  try {
    await chain.broadcast(built.hex);
  } catch (err) {
    throw new AdminError(`the node did not take the sweep ${built.txid}: ${(err as Error).message}`);
  }
  return { txid: built.txid, to: opts.to, amount, fee: built.fee, feeRateKvb, vsize: built.vsize };
}
