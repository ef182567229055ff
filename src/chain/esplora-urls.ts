/**
 * Public Esplora instances per network; regtest is the devnet's default port. A module of its
 * own, with no imports but a type, so the popup can name the defaults without loading the
 * Esplora client (and bitcoinjs-lib with it) into its bundle.
 */
import type { NetworkName } from '../core/network.ts';

export const ESPLORA_URLS: Readonly<Record<NetworkName, string>> = {
  mainnet: 'https://mempool.space/api',
  testnet4: 'https://mempool.space/testnet4/api',
  testnet3: 'https://mempool.space/testnet/api',
  signet: 'https://mempool.space/signet/api',
  regtest: 'http://127.0.0.1:3002',
};
