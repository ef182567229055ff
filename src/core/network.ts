import { networks, type Network } from 'bitcoinjs-lib';

/** The chains Paychan runs on. `regtest` is the local devnet. */
export type NetworkName = 'mainnet' | 'testnet' | 'signet' | 'regtest';

export const NETWORK_NAMES: readonly NetworkName[] = ['mainnet', 'testnet', 'signet', 'regtest'];

export function isNetworkName(value: unknown): value is NetworkName {
  return typeof value === 'string' && (NETWORK_NAMES as readonly string[]).includes(value);
}

/** bitcoinjs-lib parameters; signet shares testnet's prefixes, regtest uses Bitcoin Core's `bcrt`. */
export function bitcoinNetwork(name: NetworkName): Network {
  switch (name) {
    case 'mainnet':
      return networks.bitcoin;
    case 'testnet':
    case 'signet':
      return networks.testnet;
    case 'regtest':
      return networks.regtest;
  }
}

/** BIP44 coin type: 0 for mainnet, 1 for every test network. */
export function coinType(name: NetworkName): 0 | 1 {
  return name === 'mainnet' ? 0 : 1;
}
