/** Deterministic keys and channels for core tests. */
import {
  accessTokenHash,
  buildFundingTx,
  channelScript,
  client,
  nobleSecp,
  p2wpkhOutputScript,
  p2wshAddress,
  p2wshOutputScript,
  server,
  type ChannelParams,
  type OpenRequest,
  type ServerTerms,
} from '../../src/core/index.ts';

export function key(n: number): Uint8Array {
  const k = new Uint8Array(32);
  k[0] = 0x42;
  k[31] = n;
  return k;
}

export const CLIENT_KEY = key(1);
export const SERVER_KEY = key(2);
export const WALLET_KEY = key(3);
export const TOKEN = new Uint8Array(32).fill(7);

export const TERMS: ServerTerms = {
  network: 'regtest',
  minDeposit: 10_000n,
  maxDeposit: 5_000_000n,
  minExpiryBlocks: 144,
  maxExpiryBlocks: 4032,
  minFirstPayment: 1_000n,
};

export const POLICY: server.ServerPolicy = { settleMarginBlocks: 36, zeroConfLimit: 50_000n };
export const TIP = 500;

export function openRequest(overrides: Partial<OpenRequest> = {}): OpenRequest {
  return {
    version: 1,
    network: 'regtest',
    clientPubkey: nobleSecp.publicKey(CLIENT_KEY),
    capacity: 100_000n,
    expiry: TIP + 1000,
    changeScript: p2wpkhOutputScript(nobleSecp.publicKey(CLIENT_KEY)),
    tokenHash: accessTokenHash(TOKEN),
    ...overrides,
  };
}

export function pendingOpen(request = openRequest()): server.PendingOpen {
  return { openId: 'ab'.repeat(16), request, serverKeyIndex: 0, serverPubkey: nobleSecp.publicKey(SERVER_KEY) };
}

/** A real, signed funding transaction for the pending open (spending a made-up wallet coin). */
export function fundingFor(pending: server.PendingOpen, capacity = pending.request.capacity) {
  const script = channelScript({ serverPubkey: pending.serverPubkey, clientPubkey: pending.request.clientPubkey, expiry: pending.request.expiry });
  return buildFundingTx({
    coins: [{ txid: 'cd'.repeat(32), vout: 0, value: 10_000_000n, privateKey: WALLET_KEY }],
    capacity,
    channelOutputScript: p2wshOutputScript(script),
    changeScript: p2wpkhOutputScript(nobleSecp.publicKey(WALLET_KEY)),
    feeRateKvb: 2000n,
  });
}

/** A client channel walked to the funding state, matching `pendingOpen()`. */
export function clientInFunding(approved = 60_000n): client.ClientChannel {
  const req = openRequest();
  const pending = pendingOpen(req);
  let ch = client.propose('http://127.0.0.1/paychan/v1', req, 0, approved);
  const script = channelScript({ serverPubkey: pending.serverPubkey, clientPubkey: req.clientPubkey, expiry: req.expiry });
  ch = client.acceptOpenResponse(ch, {
    openId: pending.openId,
    serverPubkey: pending.serverPubkey,
    script,
    address: p2wshAddress(script, 'regtest'),
    capacity: req.capacity,
    expiry: req.expiry,
  });
  const f = fundingFor(pending);
  return client.attachFunding(ch, { txid: f.txid, vout: f.vout, hex: f.hex });
}


export function paramsOf(ch: client.ClientChannel): ChannelParams {
  return client.channelParams(ch);
}
