/**
 * "Settle now" for the operator: the same code path as a client's cooperative close
 * (settleChannel), run from a context assembled here the way createPaychan assembles its own,
 * since the operator holds the seed rather than the client's credential.
 */
import { existsSync } from 'node:fs';
import { EsploraClient } from '../../chain/esplora.ts';
import { equalBytes } from '../../core/bytes.ts';
import type { ChannelStatus } from '../../core/messages.ts';
import { addressToOutputScript } from '../../core/script.ts';
import { cachedTip } from '../chain.ts';
import { settleChannel } from '../channel-service.ts';
import type { PaychanConfig } from '../config.ts';
import type { ServerContext } from '../context.ts';
import { loadSeed, SEED_ENV, ServerKeys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { ChannelStore } from '../store/channel-store.ts';
import { tinySecp } from '../tiny-secp.ts';

export class AdminError extends Error {
  override name = 'AdminError';
}

function seedOf(config: PaychanConfig, env: Record<string, string | undefined>): Uint8Array {
  // loadSeed would create a fresh seed on regtest; a seed that holds no channel key can only fail here.
  if (!env[SEED_ENV] && !(config.seedFile && existsSync(config.seedFile))) {
    throw new AdminError(`no server seed: set ${SEED_ENV} or point seedFile (--config) at the server's seed file`);
  }
  return loadSeed({ network: config.network, seedFile: config.seedFile, env });
}

export async function settleNow(opts: {
  config: PaychanConfig;
  store: ChannelStore;
  env: Record<string, string | undefined>;
  logger: Logger;
  channelId: string;
}): Promise<ChannelStatus> {
  const { config, store, logger, channelId } = opts;
  const keys = new ServerKeys(seedOf(config, opts.env), config.network);
  const channel = await store.getChannel(channelId);
  if (!channel) throw new AdminError(`no channel ${channelId}`);
  if (!equalBytes(keys.channelKey(channel.serverKeyIndex).publicKey, channel.params.serverPubkey)) {
    throw new AdminError(`the seed does not hold the server key of ${channelId}: is this the server's seed and network?`);
  }
  const chain = new EsploraClient(config.esploraUrl);
  const ctx: ServerContext = {
    config,
    store,
    chain,
    tip: cachedTip(chain, 0),
    keys,
    payoutScript: config.payoutAddress ? addressToOutputScript(config.payoutAddress, config.network) : keys.defaultPayoutScript(),
    policy: { secp: tinySecp, settleMarginBlocks: config.settleMarginBlocks, zeroConfLimit: config.zeroConfLimit },
    logger,
  };
  return settleChannel(ctx, channelId);
}
