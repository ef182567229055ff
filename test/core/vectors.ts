/**
 * Computes the protocol test vectors from their stated inputs. docs/protocol.md carries the
 * inputs and the expected outputs; test/core/vectors.test.ts recomputes and compares them byte
 * for byte, so the spec and the code cannot drift apart. `npx tsx test/core/vectors.ts` prints them.
 */
import {
  accessTokenHash,
  buildRefundTx,
  buildSettlementTx,
  bytesToHex,
  channelScript,
  encodeOpenRequest,
  encodeTermsResponse,
  formatChallenge,
  formatCredential,
  formatReceipt,
  hexToBytes,
  nobleSecp,
  p2wpkhOutputScript,
  p2wshAddress,
  p2wshOutputScript,
  payableAmount,
  paymentHashType,
  paymentSighash,
  signPayment,
  toProblem,
  ProtocolError,
  type ChannelParams,
  type ServerTerms,
} from '../../src/core/index.ts';

/** The terms the challenge and /terms vectors announce. */
const TERMS: ServerTerms = {
  network: 'mainnet',
  minDeposit: 10000n,
  maxDeposit: 5000000n,
  minExpiryBlocks: 144,
  maxExpiryBlocks: 4032,
  minFirstPayment: 1000n,
};
const SETTLE_MARGIN_BLOCKS = 36;

export interface VectorInputs {
  clientPrivateKey: string;
  serverPrivateKey: string;
  expiry: number;
  capacity: string;
  fundingTxid: string;
  fundingVout: number;
  payments: string[];
  feeRate: string;
  accessToken: string;
  price: string;
  endpoint: string;
}

export const VECTOR_INPUTS: VectorInputs = {
  clientPrivateKey: '1111111111111111111111111111111111111111111111111111111111111111',
  serverPrivateKey: '2222222222222222222222222222222222222222222222222222222222222222',
  expiry: 850000,
  capacity: '100000',
  fundingTxid: '4b0f5d3e6c3a2b1f8e9d7c6b5a493827161504f3e2d1c0b9a897867564534231',
  fundingVout: 1,
  payments: ['1000', '99800'],
  feeRate: '2',
  accessToken: '4444444444444444444444444444444444444444444444444444444444444444',
  price: '10',
  endpoint: 'https://news.example/paychan/v1',
};

export function computeVectors(inp: VectorInputs) {
  const clientPriv = hexToBytes(inp.clientPrivateKey);
  const serverPriv = hexToBytes(inp.serverPrivateKey);
  const clientPubkey = nobleSecp.publicKey(clientPriv);
  const serverPubkey = nobleSecp.publicKey(serverPriv);
  const script = channelScript({ serverPubkey, clientPubkey, expiry: inp.expiry });
  const params: ChannelParams = {
    network: 'mainnet',
    serverPubkey,
    clientPubkey,
    expiry: inp.expiry,
    capacity: BigInt(inp.capacity),
    changeScript: p2wpkhOutputScript(clientPubkey),
    funding: { txid: inp.fundingTxid, vout: inp.fundingVout },
  };
  const payments = inp.payments.map((wanted) => {
    const amount = payableAmount(params, BigInt(wanted));
    return {
      wanted,
      amount: amount.toString(),
      sighashType: paymentHashType(params, amount),
      sighash: bytesToHex(paymentSighash(params, amount)),
      signature: bytesToHex(signPayment(params, amount, clientPriv)),
    };
  });
  const first = payments[0]!;
  const settlement = buildSettlementTx({
    channels: [{ params, amount: BigInt(first.amount), clientSignature: hexToBytes(first.signature), serverPrivateKey: serverPriv }],
    payoutScript: p2wpkhOutputScript(serverPubkey),
    feeRateKvb: BigInt(inp.feeRate) * 1000n,
  });
  const refund = buildRefundTx(params, {
    clientPrivateKey: clientPriv,
    destinationScript: p2wpkhOutputScript(clientPubkey),
    feeRateKvb: BigInt(inp.feeRate) * 1000n,
  });
  const token = hexToBytes(inp.accessToken);
  return {
    clientPubkey: bytesToHex(clientPubkey),
    serverPubkey: bytesToHex(serverPubkey),
    witnessScript: bytesToHex(script),
    outputScript: bytesToHex(p2wshOutputScript(script)),
    addressMainnet: p2wshAddress(script, 'mainnet'),
    addressRegtest: p2wshAddress(script, 'regtest'),
    changeScript: bytesToHex(params.changeScript),
    payments,
    settlement: { txid: settlement.txid, fee: settlement.fee.toString(), hex: settlement.hex },
    refund: { txid: refund.txid, fee: refund.fee.toString(), hex: refund.hex },
    tokenHash: bytesToHex(accessTokenHash(token)),
    challenge: formatChallenge({ versions: [1], price: BigInt(inp.price), endpoint: inp.endpoint, terms: TERMS, settleMarginBlocks: SETTLE_MARGIN_BLOCKS }),
    // A bad payment riding in the credential: its own code, and the credit stored (1000 paid, 10 spent).
    challengeInvalidPayment: formatChallenge({
      versions: [1],
      price: BigInt(inp.price),
      endpoint: inp.endpoint,
      terms: TERMS,
      settleMarginBlocks: SETTLE_MARGIN_BLOCKS,
      error: 'invalid_payment',
      code: 'BAD_SIGNATURE',
      credit: BigInt(first.amount) - 10n,
    }),
    // JSON types: amounts are strings; version, expiry, block counts, tip and fundingVout are numbers.
    terms: encodeTermsResponse({ versions: [1], terms: TERMS, tip: inp.expiry - 1008, zeroConfLimit: 50000n, settleMarginBlocks: SETTLE_MARGIN_BLOCKS }),
    openRequest: encodeOpenRequest({
      version: 1,
      network: 'mainnet',
      clientPubkey,
      capacity: params.capacity,
      expiry: inp.expiry,
      changeScript: params.changeScript,
      tokenHash: accessTokenHash(token),
    }),
    noAcceptableVersion: { ...toProblem(new ProtocolError('NO_ACCEPTABLE_VERSION', 'no common protocol version (peer: 2; ours: 1)', { supported: '1' })) },
    credential: formatCredential({ channel: params.funding, token }),
    credentialWithPayment: formatCredential({
      channel: params.funding,
      token,
      payment: { amount: BigInt(first.amount), signature: hexToBytes(first.signature) },
    }),
    receipt: formatReceipt({ channel: params.funding, charged: BigInt(inp.price), paid: BigInt(first.amount), spent: 10n }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify({ inputs: VECTOR_INPUTS, outputs: computeVectors(VECTOR_INPUTS) }, null, 2));
}
