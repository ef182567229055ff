import { ProtocolError } from './errors.ts';
import type { NetworkName } from './network.ts';
import type { ChannelKeys } from './script.ts';

export interface Outpoint {
  txid: string;
  vout: number;
}

/** Everything both sides must agree on to build and check a channel's transactions. */
export interface ChannelParams extends ChannelKeys {
  network: NetworkName;
  /** Value of the funding output, in satoshis. */
  capacity: bigint;
  /** Where the client's change goes in a settlement. */
  changeScript: Uint8Array;
  /** The funding outpoint, which is also the channel id. */
  funding: Outpoint;
}

const CHANNEL_ID = /^([0-9a-f]{64}):(0|[1-9][0-9]{0,9})$/;

/** A channel id is its funding outpoint, written `<txid>:<vout>`. */
export function formatChannelId(funding: Outpoint): string {
  return `${funding.txid}:${funding.vout}`;
}

export function parseChannelId(value: unknown): Outpoint {
  const m = typeof value === 'string' ? CHANNEL_ID.exec(value) : null;
  if (!m || Number(m[2]) > 0xffffffff) {
    throw new ProtocolError('SYNTAX_ERROR', 'channel id must be <64 hex txid>:<output index>');
  }
  return { txid: m[1]!, vout: Number(m[2]) };
}
