/**
 * Client payment signing and server payment verification on one core, through the same core
 * functions the extension and the server call (sighash included, not just the curve operation).
 * Signing uses noble (what the extension runs); verification is measured with noble (the core's
 * default), with libsecp256k1 in WebAssembly and with libsecp256k1 as a native addon (what the
 * server runs), side by side.
 */
import { nobleSecp, p2wpkhOutputScript, signPayment, verifyPayment, type ChannelParams, type Secp } from '../src/core/index.ts';
import { nativeSecp } from '../src/server/native-secp.ts';
import { tinySecp } from '../src/server/tiny-secp.ts';
import { measureRate } from './measure.ts';

export async function benchCore(): Promise<Record<string, number>> {
  const clientKey = new Uint8Array(32).fill(1);
  const serverKey = new Uint8Array(32).fill(2);
  const params: ChannelParams = {
    network: 'regtest',
    serverPubkey: nobleSecp.publicKey(serverKey),
    clientPubkey: nobleSecp.publicKey(clientKey),
    expiry: 10_000,
    capacity: 10_000_000n,
    changeScript: p2wpkhOutputScript(nobleSecp.publicKey(clientKey)),
    funding: { txid: 'ab'.repeat(32), vout: 0 },
  };
  let amount = 1_000n;
  const core_sign_per_s = measureRate(() => signPayment(params, (amount += 10n), clientKey));
  const signed = Array.from({ length: 512 }, (_, i) => {
    const a = 1_000n + BigInt(i) * 10n;
    return { amount: a, signature: signPayment(params, a, clientKey) };
  });
  const verifyRate = (secp: Secp) => {
    let i = 0;
    return measureRate(() => {
      const p = signed[i++ % signed.length]!;
      verifyPayment(params, p.amount, p.signature, secp);
    });
  };
  const core_verify_per_s = verifyRate(nobleSecp);
  const core_verify_wasm_per_s = verifyRate(tinySecp);
  const core_verify_native_per_s = verifyRate(nativeSecp!);
  return { core_sign_per_s, core_verify_per_s, core_verify_wasm_per_s, core_verify_native_per_s };
}
