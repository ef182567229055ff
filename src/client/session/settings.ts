/** User settings with their defaults; stored in IndexedDB, read by every service that needs them. */
import { ESPLORA_URLS } from '../../chain/esplora.ts';
import { isNetworkName, type NetworkName } from '../../core/network.ts';
import type { ClientPolicy } from '../../core/terms.ts';
import type { PolicySettings, Settings } from '../views.ts';
import { WalletError } from '../lib/errors.ts';
import type { ClientStore } from '../storage/client-store.ts';

export const DEFAULT_SETTINGS: Settings = {
  network: 'mainnet',
  esploraUrls: {},
  autoLockMinutes: 15,
  // Well inside the default one-week channel lifetime, so the credit comes back before expiry.
  closeIdleChannelsAfterDays: 2,
  policy: {
    maxDeposit: '200000',
    preferredDeposit: '50000',
    // About four weeks at most, one week preferred: long enough to be worth a channel, short
    // enough that a vanished server does not hold the deposit for long.
    maxExpiryBlocks: 4032,
    preferredExpiryBlocks: 1008,
    maxPrice: '1000',
    prepaidTarget: '200',
  },
};

const SATS = /^(0|[1-9][0-9]{0,15})$/;

export class SettingsService {
  /** Every payment reads the settings; only this object writes them, so a copy stays true. */
  private cached: Settings | null = null;

  constructor(private readonly store: ClientStore) {}

  async get(): Promise<Settings> {
    if (!this.cached) {
      const stored = await this.store.getMeta<Partial<Settings>>('settings');
      this.cached = { ...DEFAULT_SETTINGS, ...stored, policy: { ...DEFAULT_SETTINGS.policy, ...stored?.policy } };
    }
    return structuredClone(this.cached);
  }

  async set(patch: Partial<Settings>): Promise<Settings> {
    const current = await this.get();
    const next = { ...current, ...patch, policy: { ...current.policy, ...patch.policy } };
    validate(next);
    await this.store.setMeta('settings', next);
    this.cached = next;
    return structuredClone(next);
  }

  esploraUrl(settings: Settings, network: NetworkName): string {
    return settings.esploraUrls[network] ?? ESPLORA_URLS[network];
  }
}

export function clientPolicy(network: NetworkName, p: PolicySettings): ClientPolicy {
  return {
    network,
    maxDeposit: BigInt(p.maxDeposit),
    preferredDeposit: BigInt(p.preferredDeposit),
    maxExpiryBlocks: p.maxExpiryBlocks,
    preferredExpiryBlocks: p.preferredExpiryBlocks,
    maxPrice: BigInt(p.maxPrice),
  };
}

function validate(s: Settings): void {
  const bad = (what: string) => new WalletError('INVALID_REQUEST', `invalid setting: ${what}`);
  if (!isNetworkName(s.network)) throw bad('network');
  if (!Number.isInteger(s.autoLockMinutes) || s.autoLockMinutes < 1 || s.autoLockMinutes > 24 * 60) throw bad('autoLockMinutes (1 to 1440)');
  if (!Number.isInteger(s.closeIdleChannelsAfterDays) || s.closeIdleChannelsAfterDays < 0 || s.closeIdleChannelsAfterDays > 365) {
    throw bad('closeIdleChannelsAfterDays (0 to 365; 0: never)');
  }
  for (const [net, url] of Object.entries(s.esploraUrls)) {
    if (!isNetworkName(net)) throw bad(`esploraUrls.${net}`);
    try {
      const u = new URL(url as string);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    } catch {
      throw bad(`esploraUrls.${net}`);
    }
  }
  const p = s.policy;
  for (const k of ['maxDeposit', 'preferredDeposit', 'maxPrice', 'prepaidTarget'] as const) if (!SATS.test(p[k])) throw bad(`policy.${k}`);
  for (const k of ['maxExpiryBlocks', 'preferredExpiryBlocks'] as const) if (!Number.isInteger(p[k]) || p[k] < 1) throw bad(`policy.${k}`);
}
