/**
 * Unauthenticated work, cheapest first. `POST …/payments` needs no credential, so anyone may send
 * a payment for any channel; what a bogus one costs the server must be small. The checks run in
 * order of cost: the body is parsed (by the caller), the channel is read, the amount is checked
 * against what is paid and the capacity, then the signature is verified, all outside the write
 * lock. Only a payment that passes all that reads the chain (the tip, and the funding's
 * confirmation when the zero-conf limit is in the way) and takes the lock, where the store's
 * current record is checked again by the same rules (it may have moved meanwhile) with the
 * signature already known good.
 */
import { equalBytes } from '../core/bytes.ts';
import { ProtocolError } from '../core/errors.ts';
import type { Credential } from '../core/http-binding.ts';
import type { Payment } from '../core/payment.ts';
import type { Secp } from '../core/secp.ts';
import { acceptPayment, credit, type ServerChannel } from '../core/server-channel.ts';
import type { ServerContext } from './context.ts';
import { assertToken } from './http/credential.ts';

export type CheckedPolicy = ServerContext['policy'];

/**
 * A verifier that remembers the one signature it found valid, so checking the same payment again
 * under the lock costs a comparison instead of a second verification.
 */
function rememberingVerifier(secp: Secp): Secp {
  let known: { signature: Uint8Array; digest: Uint8Array; publicKey: Uint8Array } | null = null;
  return {
    sign: (digest, privateKey) => secp.sign(digest, privateKey),
    publicKey: (privateKey) => secp.publicKey(privateKey),
    verify(signature, digest, publicKey) {
      if (known && equalBytes(known.signature, signature) && equalBytes(known.digest, digest) && equalBytes(known.publicKey, publicKey)) return true;
      const ok = secp.verify(signature, digest, publicKey);
      if (ok) known = { signature: Uint8Array.from(signature), digest: Uint8Array.from(digest), publicKey: Uint8Array.from(publicKey) };
      return ok;
    },
  };
}

/**
 * Checks a payment (and the access token, for a credential) against the stored channel without
 * the chain or the lock. Throws the refusal; returns the policy to accept it with under the lock.
 */
export async function precheckPayment(ctx: ServerContext, channelId: string, payment: Payment | undefined, credential?: Credential): Promise<CheckedPolicy> {
  const policy: CheckedPolicy = { ...ctx.policy, secp: rememberingVerifier(ctx.policy.secp) };
  const ch = await ctx.store.getChannel(channelId);
  if (!ch) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel ${channelId}`);
  if (credential) assertToken(credential.token, ch.tokenHash);
  // The acceptance rules that need no chain: tip 0 is never near expiry, and a channel taken as
  // confirmed skips the zero-conf limit, which the caller checks later with the real tip.
  try {
    if (payment) acceptPayment({ ...ch, fundingConfirmed: true }, payment, 0, policy);
  } catch (err) {
    // A paid request's 402 reports the stored credit (docs/protocol.md §6.1); its token was checked.
    throw credential ? withStoredCredit(err, ch) : err;
  }
  return policy;
}

/** A refusal that tells the credential holder the credit stored for its channel, exactly. */
export function withStoredCredit(err: unknown, stored: ServerChannel): unknown {
  if (!(err instanceof ProtocolError) || err.code === 'INTERNAL') return err;
  return new ProtocolError(err.code, err.message, { ...err.extra, credit: credit(stored).toString() });
}
