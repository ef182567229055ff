/**
 * The seed at rest: the mnemonic encrypted under the user's password with WebCrypto
 * (PBKDF2-SHA256, at least 600,000 iterations, OWASP's 2023 figure; AES-256-GCM). GCM's tag makes
 * a wrong password fail loudly instead of decrypting to garbage.
 */
import { WalletError } from './errors.ts';

export const PBKDF2_ITERATIONS = 600_000;
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

export interface VaultSecret {
  mnemonic: string;
}

export class Vault {
  constructor(private readonly subtle: SubtleCrypto = globalThis.crypto.subtle, private readonly random = (n: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(n))) {}

  async encrypt(secret: VaultSecret, password: string): Promise<VaultRecord> {
    if (password.length < 8) throw new WalletError('INVALID_REQUEST', 'the password must have at least 8 characters');
    const salt = this.random(16);
    const iv = this.random(12);
    const key = await this.deriveKey(password, salt, PBKDF2_ITERATIONS);
    const plaintext = new TextEncoder().encode(JSON.stringify(secret));
    const ciphertext = new Uint8Array(await this.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: AAD }, key, plaintext));
    plaintext.fill(0);
    return { version: 1, kdf: 'PBKDF2-SHA256', iterations: PBKDF2_ITERATIONS, salt, iv, ciphertext };
  }

  /** Throws WRONG_PASSWORD (and changes nothing) when the password does not open the record. */
  async decrypt(record: VaultRecord, password: string): Promise<VaultSecret> {
    // A tampered record must not talk us down to a weak key derivation.
    if (record.version !== 1 || record.kdf !== 'PBKDF2-SHA256' || record.iterations < PBKDF2_ITERATIONS) {
      throw new WalletError('INTERNAL', 'the stored wallet is in an unknown or weakened format');
    }
    const key = await this.deriveKey(password, record.salt, record.iterations);
    let plaintext: Uint8Array;
    try {
      plaintext = new Uint8Array(await this.subtle.decrypt({ name: 'AES-GCM', iv: own(record.iv), additionalData: AAD }, key, own(record.ciphertext)));
    } catch {
      throw new WalletError('WRONG_PASSWORD', 'wrong password');
    }
    const secret = JSON.parse(new TextDecoder().decode(plaintext)) as VaultSecret;
    plaintext.fill(0);
    return secret;
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

/** WebCrypto's types want ArrayBuffer-backed views; records read back from storage are copied into one. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
