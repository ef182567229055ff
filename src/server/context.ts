/** Everything a request handler needs, assembled once by createPaychan. */
import type { Secp } from '../core/secp.ts';
import type { ServerPolicy } from '../core/server-channel.ts';
import type { ChainBackend, TipSource } from './chain.ts';
import type { PaychanConfig } from './config.ts';
import type { ServerKeys } from './keys.ts';
import type { Logger } from './logger.ts';
import type { ChannelStore } from './store/channel-store.ts';

export interface ServerContext {
  config: PaychanConfig;
  store: ChannelStore;
  chain: ChainBackend;
  tip: TipSource;
  keys: ServerKeys;
  /** Where settlements pay. */
  payoutScript: Uint8Array;
  policy: ServerPolicy & { secp: Secp };
  logger: Logger;
}
