/**
 * The seed at rest: the mnemonic encrypted under the user's password with WebCrypto
 * (PBKDF2-SHA256, at least 600,000 iterations, OWASP's 2023 figure; AES-256-GCM). GCM's tag makes
 * a wrong password fail loudly instead of decrypting to garbage.
 */
import { WalletError } from '../lib/errors.ts';

export const PBKDF2_ITERATIONS = 600_000;
/**
 * The most iterations a record (or a backup file) may ask for: twice ours leaves room for a
 * stronger future default, while a file asking for millions more cannot stall the worker in a
 * key derivation that never ends in the reader's lifetime.
 */
export const MAX_PBKDF2_ITERATIONS = 2 * PBKDF2_ITERATIONS;
/** Binds the ciphertext to its format, so a record from another format cannot be swapped in. */
const AAD = new TextEncoder().encode('paychan-vault-v1');

export interface VaultRecord {
  version: 1;
  kdf: 'PBKDF2-SHA256';
  iterations: number;
  salt: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * A sealed record that also carries a key check: a known plaintext sealed under the same key, so
 * opening can tell a wrong password (the check fails) from damaged or altered data (the check
 * opens, the data does not). Channel backups use it; the stored seed does not need it.
 */
export interface CheckedRecord extends VaultRecord {
  check: { iv: Uint8Array; ciphertext: Uint8Array };
}

export interface VaultSecret {
  mnemonic: string;
}

export class Vault {
  constructor(private readonly subtle: SubtleCrypto = globalThis.crypto.subtle, private readonly random = (n: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(n))) {}

  async encrypt(secret: VaultSecret, password: string): Promise<VaultRecord> {
    const plaintext = new TextEncoder().encode(JSON.stringify(secret));
    try {
      return (await this.seal(plaintext, password, AAD)).record;
    } finally {
      plaintext.fill(0);
    }
  }

  /** Throws WRONG_PASSWORD (and changes nothing) when the password does not open the record. */
  async decrypt(record: VaultRecord, password: string): Promise<VaultSecret> {
    const plaintext = await this.open(record, password, AAD);
    const secret = JSON.parse(new TextDecoder().decode(plaintext)) as VaultSecret;
    plaintext.fill(0);
    return secret;
  }

  /** Seals `plaintext` for the purpose `aad` names, with a key check (see CheckedRecord). */
  async sealChecked(plaintext: Uint8Array, password: string, aad: Uint8Array): Promise<CheckedRecord> {
    const { record, key } = await this.seal(plaintext, password, aad);
    const iv = this.random(12);
    const check = new Uint8Array(await this.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: checkAad(aad) }, key, new Uint8Array(0)));
    return { ...record, check: { iv, ciphertext: check } };
  }

  /**
   * Opens a CheckedRecord: WRONG_PASSWORD when the key check fails, DAMAGED when the key is right
   * but the data does not authenticate (changed or cut short), INTERNAL for a weakened format.
   */
  async openChecked(record: CheckedRecord, password: string, aad: Uint8Array): Promise<Uint8Array> {
    const key = await this.keyFor(record, password);
    try {
      await this.subtle.decrypt({ name: 'AES-GCM', iv: own(record.check.iv), additionalData: checkAad(aad) }, key, own(record.check.ciphertext));
    } catch {
      throw new WalletError('WRONG_PASSWORD', 'wrong password');
    }
    return this.decryptWith(key, record, aad, () => new WalletError('DAMAGED', 'the encrypted data was changed or damaged'));
  }

  private async seal(plaintext: Uint8Array, password: string, aad: Uint8Array): Promise<{ record: VaultRecord; key: CryptoKey }> {
    if (password.length < 8) throw new WalletError('INVALID_REQUEST', 'the password must have at least 8 characters');
    const salt = this.random(16);
    const iv = this.random(12);
    const key = await this.deriveKey(password, salt, PBKDF2_ITERATIONS);
    const ciphertext = new Uint8Array(await this.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: own(aad) }, key, own(plaintext)));
    return { record: { version: 1, kdf: 'PBKDF2-SHA256', iterations: PBKDF2_ITERATIONS, salt, iv, ciphertext }, key };
  }

  private async open(record: VaultRecord, password: string, aad: Uint8Array): Promise<Uint8Array> {
    const key = await this.keyFor(record, password);
    return this.decryptWith(key, record, aad, () => new WalletError('WRONG_PASSWORD', 'wrong password'));
  }

  private async keyFor(record: Omit<VaultRecord, 'ciphertext'>, password: string): Promise<CryptoKey> {
    // A tampered record must not talk us down to a weak key derivation.
    if (record.version !== 1 || record.kdf !== 'PBKDF2-SHA256' || record.iterations < PBKDF2_ITERATIONS || record.iterations > MAX_PBKDF2_ITERATIONS) {
      throw new WalletError('INTERNAL', 'the encrypted data is in an unknown or weakened format');
    }
    return this.deriveKey(password, record.salt, record.iterations);
  }

  private async decryptWith(key: CryptoKey, record: VaultRecord, aad: Uint8Array, failure: () => WalletError): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.subtle.decrypt({ name: 'AES-GCM', iv: own(record.iv), additionalData: own(aad) }, key, own(record.ciphertext)));
    } catch {
      throw failure();
    }
  }

  private async deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
    const base = await this.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveKey']);
    return this.subtle.deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt: own(salt), iterations },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  }
}

/** The key check's own associated data, so it can never be mistaken for the data it guards. */
function checkAad(aad: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array([...aad, ...new TextEncoder().encode('/key-check')]);
}

/** WebCrypto's types want ArrayBuffer-backed views; records read back from storage are copied into one. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
