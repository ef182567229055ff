import { networks, type Network } from 'bitcoinjs-lib';

/**
 * The chains Paychan runs on. `regtest` is the local devnet. testnet3 and testnet4 share the
 * `tb` address prefix and BIP44 coin type, so only their names (and genesis blocks) tell them
 * apart; "testnet" on its own means testnet4 (see parseNetworkName).
 */
export type NetworkName = 'mainnet' | 'testnet4' | 'testnet3' | 'signet' | 'regtest';

export const NETWORK_NAMES: readonly NetworkName[] = ['mainnet', 'testnet4', 'testnet3', 'signet', 'regtest'];

export function isNetworkName(value: unknown): value is NetworkName {
  return typeof value === 'string' && (NETWORK_NAMES as readonly string[]).includes(value);
}

/** A network name as a person writes it in a config: "testnet" is today's testnet, testnet4. */
export function parseNetworkName(value: unknown): NetworkName | null {
  if (value === 'testnet') return 'testnet4';
  return isNetworkName(value) ? value : null;
}

/**
 * Each chain's block 0 hash, as `GET /block-height/0` names it: what tells a backend on testnet3
 * from one on testnet4, or a devnet from either. Regtest's is Bitcoin Core's (bcoin's regtest
 * genesis is the same block).
 */
export const GENESIS_HASHES: Readonly<Record<NetworkName, string>> = {
  mainnet: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  testnet3: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
  testnet4: '00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043',
  signet: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
  regtest: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
};

/** The network whose genesis block is `hash`, or null for a chain Paychan does not know. */
export function networkOfGenesis(hash: string): NetworkName | null {
  return NETWORK_NAMES.find((n) => GENESIS_HASHES[n] === hash) ?? null;
}

/** bitcoinjs-lib parameters; the test networks share testnet's prefixes, regtest uses Bitcoin Core's `bcrt`. */
export function bitcoinNetwork(name: NetworkName): Network {
  switch (name) {
    case 'mainnet':
      return networks.bitcoin;
    case 'testnet4':
    case 'testnet3':
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
