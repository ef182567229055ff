/**
 * A minimal Paychan client for tests: the core client state machine driven over fetch, so the
 * server is exercised exactly as the extension will exercise it.
 */
import { randomBytes } from 'node:crypto';
import { client as cc } from '../../../src/core/index.ts';
import { fromProblem } from '../../../src/core/errors.ts';
import { accessTokenHash, formatCredential, type Credential } from '../../../src/core/http-binding.ts';
import {
  encodeFundRequest,
  encodeOpenRequest,
  encodePayment,
  parseOpenResponse,
  parseStatus,
  parseTermsResponse,
  type ChannelStatus,
  type OpenRequest,
  type TermsResponse,
} from '../../../src/core/messages.ts';
import type { Payment } from '../../../src/core/payment.ts';
import { channelScript, p2wshOutputScript } from '../../../src/core/script.ts';
import { buildFundingTx, type BuiltTx, type WalletCoin } from '../../../src/core/transactions.ts';
import { tinySecp } from '../../../src/server/tiny-secp.ts';

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
}

function ok<T>(r: JsonResponse, expected: number, parse: (b: unknown) => T): T {
  if (r.status !== expected) throw fromProblem(r.body);
  return parse(r.body);
}

export class ChannelClient {
  readonly key = Uint8Array.from(randomBytes(32));
  readonly pubkey = tinySecp.publicKey(this.key);
  readonly token = Uint8Array.from(randomBytes(32));
  channel: cc.ClientChannel | null = null;
  funding: BuiltTx | null = null;

  constructor(public endpoint: string) {}

  async terms(): Promise<TermsResponse> {
    return ok(await getJson(`${this.endpoint}/terms`), 200, parseTermsResponse);
  }

  /** The open request a well-behaved client sends; tests tamper with it for bad-input cases. */
  async openRequest(capacity: bigint, changeScript: Uint8Array, expiryBlocks = 1000): Promise<OpenRequest> {
    const { tip, terms } = await this.terms();
    return {
      version: 1,
      network: terms.network,
      clientPubkey: this.pubkey,
      capacity,
      expiry: tip + expiryBlocks,
      changeScript,
      tokenHash: accessTokenHash(this.token),
    };
  }

  async open(request: OpenRequest, approved = request.capacity): Promise<cc.ClientChannel> {
    const proposed = cc.propose(this.endpoint, request, 0, approved);
    const res = ok(await postJson(`${this.endpoint}/channels`, encodeOpenRequest(request)), 201, parseOpenResponse);
    this.channel = cc.acceptOpenResponse(proposed, res);
    return this.channel;
  }

  /** Builds (but does not send) the funding transaction from `coins`. */
  buildFunding(coins: WalletCoin[], changeScript: Uint8Array): BuiltTx & { vout: number } {
    const ch = this.mustChannel();
    const script = channelScript({ serverPubkey: ch.serverPubkey!, clientPubkey: ch.request.clientPubkey, expiry: ch.request.expiry });
    const built = buildFundingTx({
      coins,
      capacity: ch.request.capacity,
      channelOutputScript: p2wshOutputScript(script),
      changeScript,
      feeRateKvb: 2000n,
      secp: tinySecp,
    });
    this.funding = built;
    this.channel = cc.attachFunding(ch, { txid: built.txid, vout: built.vout, hex: built.hex });
    return built;
  }

  sign(amount: bigint): Payment {
    const { channel, payment } = cc.signNext(this.mustChannel(), amount, this.key, tinySecp);
    this.channel = channel;
    return payment;
  }

  fundBody(first: Payment): Record<string, unknown> {
    const f = this.mustChannel().funding!;
    return encodeFundRequest({ fundingTx: Buffer.from(f.hex, 'hex'), fundingVout: f.vout, payment: first });
  }

  async fund(first: bigint): Promise<ChannelStatus> {
    const r = await postJson(`${this.endpoint}/channels/${this.mustChannel().openId}/fund`, this.fundBody(this.sign(first)));
    const status = ok(r, 201, parseStatus);
    this.channel = cc.fundingAccepted(this.mustChannel(), status.paid);
    return status;
  }

  get channelId(): string {
    return cc.channelId(this.mustChannel())!;
  }

  paymentsUrl(): string {
    return `${this.endpoint}/channels/${encodeURIComponent(this.channelId)}/payments`;
  }

  async pay(amount: bigint): Promise<ChannelStatus> {
    const r = await postJson(this.paymentsUrl(), encodePayment(this.sign(amount)));
    const status = ok(r, 200, parseStatus);
    this.channel = cc.acknowledge(this.mustChannel(), status.paid, status.spent);
    return status;
  }

  credential(payment?: Payment): string {
    const f = this.mustChannel().funding!;
    const c: Credential = { channel: { txid: f.txid, vout: f.vout }, token: this.token };
    if (payment) c.payment = payment;
    return formatCredential(c);
  }

  async status(): Promise<ChannelStatus> {
    return ok(await getJson(`${this.endpoint}/channels/${this.channelId}`, { authorization: this.credential() }), 200, parseStatus);
  }

  async close(): Promise<ChannelStatus> {
    return ok(await postJson(`${this.endpoint}/channels/${this.channelId}/close`, {}, { authorization: this.credential() }), 200, parseStatus);
  }

  mustChannel(): cc.ClientChannel {
    if (!this.channel) throw new Error('no channel yet');
    return this.channel;
  }
}

