/** Everything a request handler needs, assembled once by createPaychan (and by paychan-admin's settle). */
import { FeeOracle } from '../chain/fee-oracle.ts';
import type { Secp } from '../core/secp.ts';
import type { ServerPolicy } from '../core/server-channel.ts';
import { cachedTip, type ChainBackend, type TipSource } from './chain.ts';
import type { PaychanConfig } from './config.ts';
import { loadSeed, ServerKeys } from './keys.ts';
import type { Logger } from './logger.ts';
import { payoutTarget, type PayoutTarget } from './payout.ts';
import { serverSecp } from './native-secp.ts';
import { requestLimits, type RequestLimits } from './rate-limit.ts';
import type { ChannelStore } from './store/channel-store.ts';

export interface ServerContext {
  config: PaychanConfig;
  store: ChannelStore;
  chain: ChainBackend;
  tip: TipSource;
  /** The chain's fee rates, read at most once a minute, the last good ones kept (chain/fee-oracle.ts). */
  fees: FeeOracle;
  keys: ServerKeys;
  /** Where settlements pay (payout.ts). */
  payout: PayoutTarget;
  policy: ServerPolicy & { secp: Secp };
  logger: Logger;
  /** Per-client rate limits on opens and payments. */
  limits: RequestLimits;
}

export interface ServerContextOptions {
  config: PaychanConfig;
  store: ChannelStore;
  chain: ChainBackend;
  logger: Logger;
  /** Default: the chain's tip, cached for config.tipCacheMs. */
  tip?: TipSource;
  /** Default: PAYCHAN_SERVER_SEED or config.seedFile. */
  seed?: Uint8Array;
  /** Default: libsecp256k1 as a native addon (native-secp.ts). */
  secp?: Secp;
}

export function createServerContext(opts: ServerContextOptions): ServerContext {
  const { config, chain } = opts;
  const keys = new ServerKeys(opts.seed ?? loadSeed({ network: config.network, seedFile: config.seedFile }), config.network);
  return {
    config,
    store: opts.store,
    chain,
    tip: opts.tip ?? cachedTip(chain, config.tipCacheMs),
    fees: new FeeOracle(() => chain.getFeeRates()),
    keys,
    payout: payoutTarget(config, keys, opts.store),
    policy: { secp: opts.secp ?? serverSecp.secp, settleMarginBlocks: config.settleMarginBlocks, zeroConfLimit: config.zeroConfLimit },
    logger: opts.logger,
    limits: requestLimits(config),
  };
}
