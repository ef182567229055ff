import { ProtocolError } from './errors.ts';
import type { NetworkName } from './network.ts';
import { standardScriptKind } from './script.ts';

/** Protocol versions this implementation speaks, newest last. */
export const PROTOCOL_VERSIONS: readonly number[] = [1];

/** What a server offers every new channel. Expiry bounds are in blocks from the current tip. */
export interface ServerTerms {
  network: NetworkName;
  minDeposit: bigint;
  maxDeposit: bigint;
  minExpiryBlocks: number;
  maxExpiryBlocks: number;
  /** The first payment must be at least this much, so every channel is worth its settlement fee. */
  minFirstPayment: bigint;
}

/** Blocks of disagreement about the tip tolerated between client and server when checking expiry. */
export const EXPIRY_SLACK_BLOCKS = 6;

/** Picks the highest version both sides speak. */
export function negotiateVersion(offered: readonly number[], supported: readonly number[] = PROTOCOL_VERSIONS): number {
  const common = offered.filter((v) => supported.includes(v));
  if (common.length === 0) {
    throw new ProtocolError('NO_ACCEPTABLE_VERSION', `no common protocol version (peer: ${offered.join(',') || 'none'}; ours: ${supported.join(',')})`, {
      supported: supported.join(','),
    });
  }
  return Math.max(...common);
}

export function checkTermsConsistent(t: ServerTerms): void {
  if (t.minDeposit <= 0n || t.minDeposit > t.maxDeposit) {
    throw new ProtocolError('DEPOSIT_OUT_OF_RANGE', `deposit range ${t.minDeposit}..${t.maxDeposit} is empty`);
  }
  if (t.minExpiryBlocks < 1 || t.minExpiryBlocks > t.maxExpiryBlocks) {
    throw new ProtocolError('TIME_WINDOW_UNACCEPTABLE', `expiry range ${t.minExpiryBlocks}..${t.maxExpiryBlocks} blocks is empty`);
  }
  if (t.minFirstPayment < 0n || t.minFirstPayment > t.minDeposit) {
    throw new ProtocolError('FIRST_PAYMENT_TOO_SMALL', 'minimum first payment exceeds the minimum deposit');
  }
}

/** What a client asks for when it opens a channel. */
export interface OpenProposal {
  version: number;
  network: NetworkName;
  capacity: bigint;
  expiry: number;
  changeScript: Uint8Array;
}

/** Server side: checks an open request against its terms and its view of the tip. */
export function checkOpenProposal(terms: ServerTerms, p: OpenProposal, tip: number): void {
  negotiateVersion([p.version]);
  if (p.network !== terms.network) {
    throw new ProtocolError('WRONG_NETWORK', `this server is on ${terms.network}, not ${p.network}`);
  }
  if (p.capacity < terms.minDeposit || p.capacity > terms.maxDeposit) {
    throw new ProtocolError('DEPOSIT_OUT_OF_RANGE', `deposit must be from ${terms.minDeposit} to ${terms.maxDeposit} sat`, {
      minDeposit: terms.minDeposit.toString(),
      maxDeposit: terms.maxDeposit.toString(),
    });
  }
  const earliest = tip + terms.minExpiryBlocks - EXPIRY_SLACK_BLOCKS;
  const latest = tip + terms.maxExpiryBlocks + EXPIRY_SLACK_BLOCKS;
  if (p.expiry < earliest || p.expiry > latest) {
    throw new ProtocolError('TIME_WINDOW_UNACCEPTABLE', `expiry must be a height from ${tip + terms.minExpiryBlocks} to ${tip + terms.maxExpiryBlocks}`, {
      minExpiry: tip + terms.minExpiryBlocks,
      maxExpiry: tip + terms.maxExpiryBlocks,
    });
  }
  if (!standardScriptKind(p.changeScript)) {
    throw new ProtocolError('UNSUPPORTED_CHANGE_SCRIPT', 'change must go to a P2PKH, P2SH, P2WPKH, P2WSH or P2TR output');
  }
}

/** The reader's limits, which no server may talk the client past. */
export interface ClientPolicy {
  network: NetworkName;
  /** Largest deposit the user lets one channel lock. */
  maxDeposit: bigint;
  /** The deposit the user prefers, clamped into the server's range. */
  preferredDeposit: bigint;
  /** Longest the user lets funds be locked, in blocks. */
  maxExpiryBlocks: number;
  preferredExpiryBlocks: number;
  /** Highest price per item the user would ever pay. */
  maxPrice: bigint;
}

/** Client side: refuses terms that are inconsistent or outside the user's policy, readably. */
export function checkTermsAcceptable(t: ServerTerms, price: bigint, policy: ClientPolicy): void {
  checkTermsConsistent(t);
  if (t.network !== policy.network) {
    throw new ProtocolError('WRONG_NETWORK', `the site asks for a ${t.network} channel but this wallet is on ${policy.network}`);
  }
  if (price <= 0n || price > policy.maxPrice) {
    throw new ProtocolError('SYNTAX_ERROR', `price of ${price} sat is outside your limit of ${policy.maxPrice} sat per item`);
  }
  if (t.minDeposit > policy.maxDeposit) {
    throw new ProtocolError('DEPOSIT_OUT_OF_RANGE', `the site wants at least ${t.minDeposit} sat locked; your limit is ${policy.maxDeposit} sat`);
  }
  if (t.minExpiryBlocks > policy.maxExpiryBlocks) {
    throw new ProtocolError('TIME_WINDOW_UNACCEPTABLE', `the site would lock funds for at least ${t.minExpiryBlocks} blocks; your limit is ${policy.maxExpiryBlocks}`);
  }
  if (t.minFirstPayment > policy.maxDeposit) {
    throw new ProtocolError('FIRST_PAYMENT_TOO_SMALL', `the site wants a first payment of ${t.minFirstPayment} sat`);
  }
}

/** The deposit and expiry a client proposes: the user's preference clamped into both ranges. */
export function chooseChannelShape(t: ServerTerms, policy: ClientPolicy, tip: number): { capacity: bigint; expiry: number } {
  const clampBig = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);
  const capacity = clampBig(policy.preferredDeposit, t.minDeposit, t.maxDeposit < policy.maxDeposit ? t.maxDeposit : policy.maxDeposit);
  const maxBlocks = Math.min(t.maxExpiryBlocks, policy.maxExpiryBlocks);
  const blocks = Math.min(Math.max(policy.preferredExpiryBlocks, t.minExpiryBlocks), maxBlocks);
  return { capacity, expiry: tip + blocks };
}
