/**
 * Channels put straight into a store for a made-up funding outpoint, so concurrency tests and the
 * benchmark can pay real signatures over HTTP without a chain. Also a chain backend that answers
 * without a node.
 */
import { randomBytes } from 'node:crypto';
import type { ChannelParams } from '../../../src/core/channel.ts';
import { formatChannelId } from '../../../src/core/channel.ts';
import { accessTokenHash, formatCredential } from '../../../src/core/http-binding.ts';
import { signPayment } from '../../../src/core/payment.ts';
import { p2wpkhOutputScript } from '../../../src/core/script.ts';
import type { ServerChannel } from '../../../src/core/server-channel.ts';
import type { ChainBackend } from '../../../src/server/chain.ts';
import type { ServerKeys } from '../../../src/server/keys.ts';
import type { ChannelStore } from '../../../src/server/store/channel-store.ts';
import { tinySecp } from '../../../src/server/tiny-secp.ts';
import { Transaction } from 'bitcoinjs-lib';

export interface SyntheticChannel {
  id: string;
  params: ChannelParams;
  clientKey: Uint8Array;
  token: Uint8Array;
  /** A credential header for this channel, optionally carrying a payment. */
  credential(payment?: { amount: bigint; signature: Uint8Array }): string;
  sign(amount: bigint): { amount: bigint; signature: Uint8Array };
}

export async function syntheticChannel(
  store: ChannelStore,
  keys: ServerKeys,
  opts: { capacity: bigint; expiry: number; firstPayment: bigint; confirmed?: boolean; zeroConfTotalLimit?: bigint },
): Promise<SyntheticChannel> {
  const clientKey = Uint8Array.from(randomBytes(32));
  const token = Uint8Array.from(randomBytes(32));
  const serverKeyIndex = await store.allocateKeyIndex();
  const serverPubkey = keys.channelKey(serverKeyIndex).publicKey;
  const clientPubkey = tinySecp.publicKey(clientKey);
  const changeScript = p2wpkhOutputScript(clientPubkey);
  const openId = randomBytes(16).toString('hex');
  const request = { version: 1, network: 'regtest' as const, clientPubkey, capacity: opts.capacity, expiry: opts.expiry, changeScript, tokenHash: accessTokenHash(token) };
  await store.addPendingOpen({ openId, request, serverKeyIndex, serverPubkey });
  const params: ChannelParams = { network: 'regtest', serverPubkey, clientPubkey, expiry: opts.expiry, capacity: opts.capacity, changeScript, funding: { txid: randomBytes(32).toString('hex'), vout: 0 } };
  const sign = (amount: bigint) => ({ amount, signature: signPayment(params, amount, clientKey, tinySecp) });
  const first = sign(opts.firstPayment);
  const channel: ServerChannel = {
    id: formatChannelId(params.funding),
    params,
    serverKeyIndex,
    tokenHash: request.tokenHash,
    state: 'open',
    paid: first.amount,
    signature: first.signature,
    spent: 0n,
    fundingConfirmed: opts.confirmed ?? true,
    settlementTxid: null,
    closeReason: null,
  };
  await store.addFundedChannel(openId, channel, '', { zeroConfTotalLimit: opts.zeroConfTotalLimit });
  return {
    id: channel.id,
    params,
    clientKey,
    token,
    sign,
    credential: (payment) => formatCredential({ channel: params.funding, token, ...(payment ? { payment } : {}) }),
  };
}

/** A chain that is always at `tip`, has every transaction confirmed, and accepts every broadcast. */
export function stubChain(tip = 1_000): ChainBackend & { broadcasts: string[] } {
  const broadcasts: string[] = [];
  return {
    broadcasts,
    getTipHeight: async () => tip,
    getFeeRates: async () => ({ source: 'esplora', byTarget: [], minRelay: null }),
    getTxStatus: async () => ({ confirmed: true, block_height: tip, block_hash: '00'.repeat(32), block_time: 0 }),
    broadcast: async (hex) => {
      broadcasts.push(hex);
      return Transaction.fromHex(hex).getId();
    },
  };
}
