/** A funded wallet file on the devnet, for the Node client and CLI tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { startMerchant, type MerchantRig } from '../extension/helpers.ts';
import { openWalletFile, type WalletFile } from '../../src/client/node/wallet-file.ts';

export const PASSWORD = 'correct horse battery staple';
export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

export function tempWalletPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'paychan-client-')), 'wallet.db');
}

/** Creates a regtest wallet file on the devnet with `sats` confirmed; answers its path (the file is closed). */
export async function fundedWalletFile(devnet: Devnet, sats: bigint, path = tempWalletPath()): Promise<string> {
  const file: WalletFile = openWalletFile({ path });
  const { engine } = file;
  await engine.settings.set({ esploraUrls: { regtest: devnet.url } });
  const mnemonic = engine.session.generate();
  await engine.session.create(mnemonic, PASSWORD, 'regtest');
  await devnet.faucet((await engine.wallet.receiveAddress()).address, sats);
  await devnet.mine(1);
  await engine.wallet.sync();
  file.close();
  return path;
}

/** A devnet and a merchant server (test/extension startMerchant) for the file's tests, started before and stopped after them. */
export function useDevnetMerchant(opts: Parameters<typeof startMerchant>[1] = {}): { devnet: Devnet; merchant: MerchantRig } {
  const rig = {} as { devnet: Devnet; merchant: MerchantRig };
  before(async () => {
    rig.devnet = await startDevnet({ port: 0 });
    rig.merchant = await startMerchant(rig.devnet.url, opts);
  });
  after(async () => {
    await rig.merchant?.stop();
    await rig.devnet?.stop();
  });
  return rig;
}
