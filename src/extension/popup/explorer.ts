import type { NetworkName } from '../../core/network.ts';

/**
 * Where a reader can look a transaction up: mempool.space for the public chains, nothing for the
 * local devnet (no public explorer knows it). testnet3 is mempool.space's plain "testnet".
 */
const MEMPOOL_SPACE: Readonly<Record<NetworkName, string | null>> = {
  mainnet: 'https://mempool.space',
  testnet4: 'https://mempool.space/testnet4',
  testnet3: 'https://mempool.space/testnet',
  signet: 'https://mempool.space/signet',
  regtest: null,
};

/** The explorer page of `txid` on `network`, or null when there is none (the devnet). */
export function explorerTxUrl(network: NetworkName, txid: string): string | null {
  const base = MEMPOOL_SPACE[network];
  return base && /^[0-9a-f]{64}$/i.test(txid) ? `${base}/tx/${txid.toLowerCase()}` : null;
}
