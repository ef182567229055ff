/**
 * A background entry with the paywall alone, used by the build only while the wallet's
 * background (background/index.ts, issue 5) does not exist yet: the extension still loads, detects
 * 402s and shows its UI, and every payment fails cleanly with "no wallet".
 */
import { DEFAULT_SETTINGS } from '../../../client/session/settings.ts';
import { registerPaywall } from './index.ts';

registerPaywall({
  ownListener: true,
  wallet: {
    status: async () => ({ state: 'none', network: DEFAULT_SETTINGS.network, autoLockMinutes: DEFAULT_SETTINGS.autoLockMinutes }),
    settings: async () => DEFAULT_SETTINGS,
    channels: async () => [],
    receipt: async () => false,
    topUp: async () => ({ approved: 0n, channel: null, credential: null }),
    pay: async () => ({ ok: false, error: { code: 'NO_WALLET', message: 'there is no wallet in this build' }, committed: 0n }),
  },
});
