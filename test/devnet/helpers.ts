/** Keys, addresses and small wallet spends for tests that drive the devnet over HTTP. */
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2';
import { EsploraClient, EsploraError, type Utxo } from '../../src/chain/esplora.ts';
import { p2wpkhAddress, p2wpkhOutputScript } from '../../src/core/script.ts';
import { nobleSecp } from '../../src/core/secp.ts';
import { buildWalletTx, type BuiltTx, type TxOutput } from '../../src/core/transactions.ts';
import type { Devnet } from '../../src/devnet/index.ts';

export interface TestKey {
  privateKey: Uint8Array;
  pubkey: Uint8Array;
  script: Uint8Array;
  address: string;
}

/** A deterministic regtest P2WPKH key; distinct labels give distinct keys. */
export function testKey(label: string): TestKey {
  const privateKey = sha256(new TextEncoder().encode(`paychan devnet test ${label}`));
  const pubkey = nobleSecp.publicKey(privateKey);
  return { privateKey, pubkey, script: p2wpkhOutputScript(pubkey), address: p2wpkhAddress(pubkey, 'regtest') };
}

/** Funds `key` from the faucet and returns the new coin as the Esplora API lists it. */
export async function fund(devnet: Devnet, client: EsploraClient, key: TestKey, sats: bigint): Promise<Utxo> {
  const txid = await devnet.faucet(key.address, sats);
  const utxo = (await client.getAddressUtxos(key.address)).find((u) => u.txid === txid);
  assert.ok(utxo, `faucet output ${txid} is listed for ${key.address}`);
  return utxo;
}

/** Spends `coin` (held by `key`) to `outputs`, change back to `key`, at 2 sat/vB. Not broadcast. */
export function spend(key: TestKey, coin: Utxo, outputs: TxOutput[]): BuiltTx {
  return buildWalletTx({
    coins: [{ txid: coin.txid, vout: coin.vout, value: coin.value, privateKey: key.privateKey }],
    outputs,
    changeScript: key.script,
    feeRateKvb: 2000n,
  });
}

/** Asserts that `promise` fails with an EsploraError of `status` whose reason matches `reason`. */
export async function assertEsploraError(promise: Promise<unknown>, status: number, reason: RegExp): Promise<EsploraError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof EsploraError, `expected EsploraError, got ${String(err)}`);
    assert.equal(err.status, status, `status for "${err.reason}"`);
    assert.match(err.reason, reason);
    return err;
  }
  assert.fail(`expected HTTP ${status} matching ${reason}`);
}
