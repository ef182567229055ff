/** `paychan wallet create | restore | address | balance | send`. */
import { isNetworkName, type NetworkName } from '../../core/network.ts';
import type { WalletFile } from '../../client/node/wallet-file.ts';
import { CliError, EXIT, password, satsArg, usage, type CliIO } from '../io.ts';
import { openNewWallet, openUnlockedWallet, type GlobalOptions } from '../wallet-context.ts';

export interface WalletOptions extends GlobalOptions {
  network?: string | undefined;
  esplora?: string | undefined;
  'fee-rate'?: string | undefined;
}

export async function walletCommand(args: string[], opts: WalletOptions, io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return install(opts, io, async (file, network, pass) => {
        const words = file.engine.session.generate();
        await file.engine.session.create(words, pass, network);
        io.out(`recovery words (write them down; they restore the wallet and its channels):\n${words}\n`);
      });
    case 'restore':
      return install(opts, io, async (file, network, pass) => {
        const words = io.env.PAYCHAN_MNEMONIC ?? (io.prompt ? await io.prompt('recovery words: ', false) : '');
        if (!words) throw new CliError(EXIT.WALLET, 'wallet: give the recovery words in PAYCHAN_MNEMONIC or on the terminal');
        await file.engine.session.restore(words, pass, network);
        // Finding the restored coins needs the chain; the wallet is restored either way.
        await file.engine.wallet.sync().catch((err: unknown) => io.err(`the chain could not be asked for the restored coins yet: ${(err as Error).message}\n`));
        io.out('wallet restored\n');
      });
    case 'address':
      return unlocked(opts, io, async (file) => io.out(`${(await file.engine.wallet.receiveAddress()).address}\n`));
    case 'balance':
      return unlocked(opts, io, async (file) => {
        await file.engine.wallet.sync();
        const b = await file.engine.wallet.balances();
        io.out(`confirmed ${b.confirmed} sat\nunconfirmed ${b.unconfirmed} sat\nin channels ${b.inChannels} sat\nprepaid ${b.prepaid} sat\n`);
      });
    case 'send': {
      const [address, amountArg] = rest;
      if (!address || !amountArg) throw usage('usage: paychan wallet send ADDRESS AMOUNT_SATS [--fee-rate SAT_PER_VB]');
      const amount = satsArg(amountArg, 'AMOUNT')!;
      const feeRate = satsArg(opts['fee-rate'], '--fee-rate');
      return unlocked(opts, io, async (file) => {
        const { engine } = file;
        await engine.wallet.sync();
        const rateKvb = feeRate !== undefined ? feeRate * 1000n : (await engine.chain.feeRates(await engine.wallet.network())).normal;
        const sent = await engine.send.send(address, amount, rateKvb);
        io.out(`sent ${amount} sat in ${sent.txid} (fee ${sent.fee} sat)\n`);
      });
    }
    default:
      throw usage('usage: paychan wallet create | restore | address | balance | send ADDRESS AMOUNT');
  }
}

async function install(opts: WalletOptions, io: CliIO, make: (file: WalletFile, network: NetworkName, pass: string) => Promise<void>): Promise<number> {
  const network = opts.network ?? 'mainnet';
  if (!isNetworkName(network)) throw usage(`--network must be mainnet, testnet, signet or regtest, got ${network}`);
  const pass = await password(io, 'new wallet password: ');
  const file = openNewWallet(opts, io);
  try {
    if (await file.engine.store.getMeta('vault')) throw new CliError(EXIT.WALLET, `wallet: a wallet already exists at ${opts.wallet ?? 'the default path'}`);
    if (opts.esplora) await file.engine.settings.set({ esploraUrls: { [network]: opts.esplora } });
    await make(file, network, pass);
  } finally {
    file.close();
  }
  return EXIT.OK;
}

export async function unlocked(opts: GlobalOptions, io: CliIO, work: (file: WalletFile) => Promise<void>): Promise<number> {
  const file = await openUnlockedWallet(opts, io);
  try {
    await work(file);
  } finally {
    file.close();
  }
  return EXIT.OK;
}
