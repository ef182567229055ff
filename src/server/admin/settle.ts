/**
 * "Settle now" for the operator: the same code path as a client's cooperative close
 * (settleChannel), run from a context built the way createPaychan builds its own, since the
 * operator holds the seed rather than the client's credential.
 */
import { existsSync } from 'node:fs';
import { EsploraClient } from '../../chain/esplora.ts';
import { equalBytes } from '../../core/bytes.ts';
import type { ChannelStatus } from '../../core/messages.ts';
import { settleChannel } from '../channel-service.ts';
import type { PaychanConfig } from '../config.ts';
import { createServerContext } from '../context.ts';
import { loadSeed, SEED_ENV } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { ChannelStore } from '../store/channel-store.ts';

export class AdminError extends Error {
  override name = 'AdminError';
}

/** The server's seed for an operator's command, with a message in the operator's terms when there is none. */
export function seedOf(config: PaychanConfig, env: Record<string, string | undefined>): Uint8Array {
  // Said in the operator's terms here; loadSeed's own message speaks of starting a server.
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
  const ctx = createServerContext({ config, store, chain: new EsploraClient(config.esploraUrl), logger, seed: seedOf(config, opts.env) });
  const channel = await store.getChannel(channelId);
  if (!channel) throw new AdminError(`no channel ${channelId}`);
  if (!equalBytes(ctx.keys.channelKey(channel.serverKeyIndex).publicKey, channel.params.serverPubkey)) {
    throw new AdminError(`the seed does not hold the server key of ${channelId}: is this the server's seed and network?`);
  }
  return settleChannel(ctx, channelId);
}
