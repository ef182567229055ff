/**
 * Locked/unlocked state. The decrypted seed lives only in this object and in storage.session
 * (so a stopped-and-restarted service worker stays unlocked until the browser closes or the idle
 * timer runs out); the vault in IndexedDB holds it encrypted.
 */
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import { bytesToHex, hexToBytes } from '../../core/bytes.ts';
import type { NetworkName } from '../../core/network.ts';
import type { WalletState, WalletStatus } from '../views.ts';
import type { Alarms, Clock } from '../lib/clock.ts';
import { WalletError } from '../lib/errors.ts';
import type { Events } from '../lib/events.ts';
import { KeyRing } from '../wallet/keys.ts';
import type { SessionStore } from './session.ts';
import type { SettingsService } from './settings.ts';
import type { ClientStore } from '../storage/client-store.ts';
import type { Vault, VaultRecord, VaultSecret } from './vault.ts';

export const AUTOLOCK_ALARM = 'paychan-autolock';
const SESSION_SEED = 'seed';
const SESSION_ACTIVE = 'lastActive';

export interface SessionDeps {
  store: ClientStore;
  vault: Vault;
  session: SessionStore;
  settings: SettingsService;
  alarms: Alarms;
  clock: Clock;
  events: Events;
}

export class SessionService {
  private ring: KeyRing | null = null;
  private lastActive = 0;
  /** A mnemonic shown to the user and not yet confirmed; never stored. */
  private pending: string | null = null;

  constructor(private readonly d: SessionDeps) {}

  /** After a service-worker restart: pick the unlocked seed back up from storage.session. */
  async resume(): Promise<void> {
    const seed = await this.d.session.get<string>(SESSION_SEED);
    if (!seed) return;
    this.lastActive = (await this.d.session.get<number>(SESSION_ACTIVE)) ?? this.d.clock.now();
    this.ring = new KeyRing(hexToBytes(seed));
    if (await this.idleExpired()) await this.lock();
  }

  async status(): Promise<WalletStatus> {
    const settings = await this.d.settings.get();
    return { state: await this.state(), network: settings.network, autoLockMinutes: settings.autoLockMinutes };
  }

  async state(): Promise<WalletState> {
    if (!(await this.d.store.getMeta('vault'))) return 'none';
    return this.ring ? 'unlocked' : 'locked';
  }

  /** The unlocked keys, or LOCKED. Background work (payments, refunds) does not count as activity. */
  async keys(): Promise<KeyRing> {
    if (this.ring && (await this.idleExpired())) await this.lock();
    if (!this.ring) throw new WalletError((await this.state()) === 'none' ? 'NO_WALLET' : 'LOCKED', 'the wallet is locked');
    return this.ring;
  }

  isUnlocked(): boolean {
    return this.ring !== null;
  }

  generate(): string {
    this.pending = generateMnemonic(wordlist, 128);
    return this.pending;
  }

  /** Creating needs the words typed back: that is how the user confirms they wrote them down. */
  async create(mnemonic: string, password: string, network: NetworkName): Promise<void> {
    if (!this.pending) throw new WalletError('NOT_CONFIRMED', 'generate a recovery phrase first');
    if (normalise(mnemonic) !== this.pending) throw new WalletError('NOT_CONFIRMED', 'the words do not match the recovery phrase shown');
    await this.install(this.pending, password, network);
    this.pending = null;
  }

  async restore(mnemonic: string, password: string, network: NetworkName): Promise<void> {
    const words = normalise(mnemonic);
    if (!validateMnemonic(words, wordlist)) throw new WalletError('INVALID_MNEMONIC', 'not a valid BIP39 recovery phrase');
    await this.install(words, password, network);
  }

  /** A wrong password throws WRONG_PASSWORD and leaves every state as it was. */
  async unlock(password: string): Promise<void> {
    const { mnemonic } = await this.openVault(password);
    await this.open(await mnemonicToSeed(mnemonic));
  }

  /** For actions that ask for the password again while unlocked: WRONG_PASSWORD unless it opens the vault. */
  async checkPassword(password: string): Promise<void> {
    await this.openVault(password);
  }

  private async openVault(password: string): Promise<VaultSecret> {
    const record = await this.d.store.getMeta<VaultRecord>('vault');
    if (!record) throw new WalletError('NO_WALLET', 'there is no wallet yet');
    return this.d.vault.decrypt(record, password);
  }

  async lock(): Promise<void> {
    this.ring = null;
    await this.d.session.remove(SESSION_SEED);
    await this.d.session.remove(SESSION_ACTIVE);
    await this.d.alarms.clear(AUTOLOCK_ALARM);
    this.d.events.emit({ type: 'status', data: await this.status() });
  }

  /** The user did something: push the auto-lock back. */
  async touch(): Promise<void> {
    if (!this.ring) return;
    this.lastActive = this.d.clock.now();
    await this.d.session.set(SESSION_ACTIVE, this.lastActive);
    const { autoLockMinutes } = await this.d.settings.get();
    await this.d.alarms.create(AUTOLOCK_ALARM, { when: this.lastActive + autoLockMinutes * 60_000 });
  }

  async onAlarm(name: string): Promise<void> {
    if (name !== AUTOLOCK_ALARM || !this.ring) return;
    if (await this.idleExpired()) await this.lock();
    else {
      const { autoLockMinutes } = await this.d.settings.get();
      await this.d.alarms.create(AUTOLOCK_ALARM, { when: this.lastActive + autoLockMinutes * 60_000 });
    }
  }

  private async install(mnemonic: string, password: string, network: NetworkName): Promise<void> {
    if (await this.d.store.getMeta('vault')) throw new WalletError('WALLET_EXISTS', 'a wallet already exists');
    const record = await this.d.vault.encrypt({ mnemonic }, password);
    await this.d.settings.set({ network });
    await this.d.store.setMeta('vault', record);
    await this.open(await mnemonicToSeed(mnemonic));
  }

  private async open(seed: Uint8Array): Promise<void> {
    this.ring = new KeyRing(seed);
    await this.d.session.set(SESSION_SEED, bytesToHex(seed));
    await this.touch();
    this.d.events.emit({ type: 'status', data: await this.status() });
  }

  private async idleExpired(): Promise<boolean> {
    const { autoLockMinutes } = await this.d.settings.get();
    return this.d.clock.now() - this.lastActive >= autoLockMinutes * 60_000;
  }
}

function normalise(mnemonic: string): string {
  return mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
}
