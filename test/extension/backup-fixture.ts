/**
 * A funded-looking open channel for a given seed, built with the core's own functions but without
 * a chain or a server: enough for the backup's checks (the funding output pays the channel script,
 * the refund spends it), for tests that look at the file and not at the money.
 */
import { randomBytes } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { acknowledge, channelParams, propose, signNext, type ClientChannel } from '../../src/core/client-channel.ts';
import { accessTokenHash } from '../../src/core/http-binding.ts';
import type { NetworkName } from '../../src/core/network.ts';
import { channelScript, p2wshOutputScript } from '../../src/core/script.ts';
import { nobleSecp } from '../../src/core/secp.ts';
import { PROTOCOL_VERSIONS } from '../../src/core/terms.ts';
import { buildRefundTx } from '../../src/core/transactions.ts';
import type { KeyRing } from '../../src/client/wallet/keys.ts';
import type { ChannelRecord } from '../../src/client/storage/records.ts';

export function fixtureChannel(ring: KeyRing, network: NetworkName, index: number, endpoint: string, capacity = 50_000n): ChannelRecord {
  const key = ring.channelKey(network, index);
  const serverPubkey = nobleSecp.publicKey(Uint8Array.from(randomBytes(32)));
  const change = ring.walletKey(network, 1, index).script;
  const request = {
    version: PROTOCOL_VERSIONS[0]!,
    network,
    clientPubkey: key.publicKey,
    capacity,
    expiry: 5_000 + index,
    changeScript: change,
    tokenHash: accessTokenHash(key.accessToken),
  };
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(Uint8Array.from(randomBytes(32)), 0);
  tx.addOutput(p2wshOutputScript(channelScript({ serverPubkey, clientPubkey: key.publicKey, expiry: request.expiry })), capacity);
  let ch: ClientChannel = { ...propose(endpoint, request, index, 20_000n), state: 'open', openId: 'fixture', serverPubkey, funding: { txid: tx.getId(), vout: 0, hex: tx.toHex() } };
  ch = acknowledge(signNext(ch, 1_000n, key.privateKey).channel, 1_000n, 10n);
  const refund = buildRefundTx(channelParams(ch), { clientPrivateKey: key.privateKey, destinationScript: change, feeRateKvb: 2000n });
  return {
    id: `${network}/${index}`,
    network,
    endpoint,
    channel: ch,
    fundingInputs: [],
    zeroConfLimit: 10_000n,
    fundingConfirmed: true,
    abandoned: false,
    refund: { txid: refund.txid, hex: refund.hex, feeRateKvb: 2000n },
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    lastError: null,
  };
}
