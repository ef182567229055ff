/** One handler per message: checks the payload's shape and calls the service that owns it. */
import { isNetworkName } from '../../../core/network.ts';
import { channelId } from '../../../core/client-channel.ts';
import type { Settings } from '../../shared/types.ts';
import { ChainService } from '../../../client/wallet/chain-service.ts';
import type { ChannelBackupService } from '../../../client/channels/channel-backup.ts';
import type { ChannelService } from '../../../client/channels/channel-service.ts';
import type { ChannelWatcher } from '../../../client/channels/channel-watcher.ts';
import type { Clock } from '../../../client/lib/clock.ts';
import { channelSummary, paymentSummary } from '../../../client/lib/dto.ts';
import { WalletError } from '../../../client/lib/errors.ts';
import type { MessageType } from '../../shared/messages.ts';
import type { Handler } from './router.ts';
import type { SendService } from '../../../client/wallet/wallet-send.ts';
import type { SessionService } from '../../../client/session/session-service.ts';
import type { SettingsService } from '../../../client/session/settings.ts';
import type { Store } from '../storage/store.ts';
import type { HistoryService } from '../../../client/wallet/wallet-history.ts';
import type { WalletService } from '../../../client/wallet/wallet-service.ts';

export interface HandlerDeps {
  store: Store;
  clock: Clock;
  settings: SettingsService;
  session: SessionService;
  chain: ChainService;
  wallet: WalletService;
  send: SendService;
  history: HistoryService;
  channels: ChannelService;
  watcher: ChannelWatcher;
  backup: ChannelBackupService;
}

/** Every message of the map except the paywall's, which background/paywall registers. */
export type CoreMessageType = Exclude<MessageType, `paywall.${string}`>;
export type CoreHandlers = { [T in CoreMessageType]: Handler<T> };

export function createHandlers(d: HandlerDeps): CoreHandlers {
  return {
    'wallet.status': () => d.session.status(),
    'wallet.generate': async () => ({ mnemonic: d.session.generate() }),
    'wallet.create': async (p) => {
      await d.session.create(str(p?.mnemonic, 'mnemonic'), str(p?.password, 'password'), network(p?.network));
      return d.session.status();
    },
    'wallet.restore': async (p) => {
      await d.session.restore(str(p?.mnemonic, 'mnemonic'), str(p?.password, 'password'), network(p?.network));
      // Finding the restored coins needs the chain; a failure here must not undo the restore.
      await d.wallet.sync().catch(() => undefined);
      return d.session.status();
    },
    'wallet.unlock': async (p) => {
      await d.session.unlock(str(p?.password, 'password'));
      return d.session.status();
    },
    'wallet.lock': async () => {
      await d.session.lock();
      return d.session.status();
    },
    'settings.get': () => d.settings.get(),
    'settings.set': (p) => d.settings.set((p ?? {}) as Partial<Settings>),
    'wallet.sync': async () => {
      await d.wallet.sync();
      return d.wallet.balances();
    },
    'wallet.balances': () => d.wallet.balances(),
    'wallet.receiveAddress': async () => ({ address: (await d.wallet.receiveAddress()).address }),
    'wallet.feeRates': async () => ChainService.asDto(await d.chain.feeRates(await d.wallet.network())),
    'wallet.send': (p) => d.send.send(str(p?.address, 'address'), sats(p?.amount, 'amount'), sats(p?.feeRateKvb, 'feeRateKvb')),
    'wallet.bumpFee': (p) => d.send.bumpFee(str(p?.txid, 'txid'), sats(p?.feeRateKvb, 'feeRateKvb')),
    'wallet.history': () => d.history.history(),
    'channels.list': async () => (await d.store.channels()).sort((a, b) => b.createdAt - a.createdAt).map(channelSummary),
    'channels.close': (p) => d.channels.close(str(p?.id, 'id')),
    'channels.check': async () => (await d.watcher.check()).map(channelSummary),
    'channels.backup': (p) => d.backup.backup(str(p?.password, 'password')),
    // The file's size and shape are the backup service's to judge (INVALID_BACKUP), not str()'s.
    'channels.restoreBackup': (p) => d.backup.restore(p?.contents, str(p?.password, 'password')),
    'payments.history': async (p) => {
      const records = await d.store.channels();
      const ids = new Map(records.map((r) => [r.id, channelId(r.channel) ?? r.id]));
      const payments = await d.store.payments(p?.channel);
      return payments.map((x) => paymentSummary(x, ids.get(x.channel) ?? x.channel)).reverse();
    },
    'sites.list': async () => (await d.store.sites()).map((s) => ({ endpoint: s.endpoint, allowance: String(s.allowance), updatedAt: s.updatedAt })),
    'sites.allow': async (p) => {
      const endpoint = url(p?.endpoint, 'endpoint');
      const site = { endpoint, allowance: sats(p?.allowance, 'allowance'), updatedAt: d.clock.now() };
      await d.store.putSite(site);
      return { endpoint, allowance: String(site.allowance), updatedAt: site.updatedAt };
    },
    'sites.revoke': async (p) => {
      await d.store.deleteSite(str(p?.endpoint, 'endpoint'));
      return null;
    },
    pay: (p) =>
      d.channels.pay(url(p?.url, 'url'), str(p?.challenge, 'challenge'), {
        ...(p?.limit !== undefined ? { limit: sats(p.limit, 'limit') } : {}),
        ...(p?.maxNewDeposit !== undefined ? { maxNewDeposit: sats(p.maxNewDeposit, 'maxNewDeposit') } : {}),
      }),
    'channels.topUp': async (p) => {
      const items = p?.items;
      if (typeof items !== 'number' || !Number.isInteger(items) || items < 1 || items > 10_000) throw new WalletError('INVALID_REQUEST', 'items must be a whole number from 1');
      const out = await d.channels.topUpWithin(url(p?.endpoint, 'endpoint'), sats(p?.price, 'price'), BigInt(items), sats(p?.limit, 'limit'), p?.send === true);
      return { approved: String(out.approved), channel: out.record && channelSummary(out.record), credential: out.credential };
    },
    'pay.receipt': (p) => d.channels.receipt(str(p?.receipt, 'receipt'), url(p?.url, 'url')),
  };
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 10_000) throw new WalletError('INVALID_REQUEST', `${field} must be a non-empty string`);
  return v;
}

function sats(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new WalletError('INVALID_REQUEST', `${field} must be satoshis as a decimal string`);
  return BigInt(v);
}

function network(v: unknown) {
  if (!isNetworkName(v)) throw new WalletError('INVALID_REQUEST', 'network must be mainnet, testnet, signet or regtest');
  return v;
}

function url(v: unknown, field: string): string {
  const s = str(v, field);
  try {
    const u = new URL(s);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
  } catch {
    throw new WalletError('INVALID_REQUEST', `${field} must be an http(s) URL`);
  }
  return s;
}
