/** A throwaway P2WPKH wallet funded from the devnet faucet, for tests that need real coins. */
import { randomBytes } from 'node:crypto';
import { EsploraClient } from '../../../src/chain/esplora.ts';
import { bytesToHex } from '../../../src/core/bytes.ts';
import { p2wpkhAddress, p2wpkhOutputScript } from '../../../src/core/script.ts';
import type { WalletCoin } from '../../../src/core/transactions.ts';
import type { Devnet } from '../../../src/devnet/index.ts';
import { tinySecp } from '../../../src/server/tiny-secp.ts';

export class TestWallet {
  readonly privateKey = Uint8Array.from(randomBytes(32));
  readonly publicKey = tinySecp.publicKey(this.privateKey);
  readonly script = p2wpkhOutputScript(this.publicKey);
  readonly address = p2wpkhAddress(this.publicKey, 'regtest');
  readonly esplora: EsploraClient;

  constructor(readonly devnet: Devnet) {
    this.esplora = new EsploraClient(devnet.url);
  }

  /** A fresh coin of `sats` from the faucet (unconfirmed unless `confirm`). */
  async coin(sats: bigint, confirm = false): Promise<WalletCoin> {
    const txid = await this.devnet.faucet(this.address, sats);
    if (confirm) await this.devnet.mine(1);
    const tx = await this.esplora.getTx(txid);
    const vout = tx.vout.findIndex((o) => o.scriptpubkey === bytesToHex(this.script) && o.value === sats);
    if (vout < 0) throw new Error('faucet output not found');
    return { txid, vout, value: sats, privateKey: this.privateKey };
  }
}
