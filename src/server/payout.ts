/**
 * Where settlements pay: the configured payoutAddress; else a fresh P2WPKH address of
 * payoutXpub per settlement (m/0/i below the account key, i from the store's counter, so no
 * address repeats across restarts or instances); else the server's own wallet, the key
 * m/1017'/coin'/1'/0' of its seed (admin/wallet.ts shows and sweeps it).
 *
 * A settlement takes an address before it is built: the index is committed in the store first,
 * and the settlement that pays it is recorded before it is broadcast. An address taken for a
 * settlement that was then not recorded (no channel was ready, or it could not pay its fee) is
 * handed out again by this process, so retries leave no gaps for the operator's wallet to skip.
 */
import { outputScriptToAddress } from '../core/script.ts';
import type { NetworkName } from '../core/network.ts';
import { addressToOutputScript } from '../core/script.ts';
import type { PaychanConfig } from './config.ts';
import type { ServerKeys } from './keys.ts';
import { payoutXpubFor, xpubPayoutScript } from './payout-xpub.ts';
import type { ChannelStore } from './store/channel-store.ts';

export interface PayoutAddress {
  script: Uint8Array;
  /** Gives the address back, unused: the next settlement pays it instead. */
  release(): void;
}

export interface PayoutTarget {
  /** What the ready log line says: the address, or the xpub's kind and next addresses' path. */
  readonly description: string;
  /** The address the next settlement pays. */
  take(): Promise<PayoutAddress>;
}

function fixed(script: Uint8Array, network: NetworkName): PayoutTarget {
  return { description: outputScriptToAddress(script, network), take: async () => ({ script, release: () => {} }) };
}

export function payoutTarget(config: PaychanConfig, keys: ServerKeys, store: ChannelStore): PayoutTarget {
  if (config.payoutAddress) return fixed(addressToOutputScript(config.payoutAddress, config.network), config.network);
  if (!config.payoutXpub) return fixed(keys.defaultPayoutScript(), config.network);
  const xpub = payoutXpubFor(config.payoutXpub, config.network);
  const spare: number[] = [];
  return {
    description: `${xpub.prefix} …${config.payoutXpub.slice(-8)} m/0/* (P2WPKH)`,
    async take() {
      const index = spare.length > 0 ? Math.min(...spare) : await store.allocatePayoutIndex();
      if (spare.includes(index)) spare.splice(spare.indexOf(index), 1);
      return { script: xpubPayoutScript(xpub, index), release: () => void spare.push(index) };
    },
  };
}
