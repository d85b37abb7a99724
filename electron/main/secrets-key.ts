// The key that seals Loupe's secrets (engine/core/secrets.ts), kept by the OS keychain: a random
// 32-byte key, stored in the data dir only as safeStorage's ciphertext (macOS Keychain, Windows
// DPAPI, libsecret/kwallet on Linux), handed to the engine host at start. No keychain (Linux with
// only safeStorage's `basic_text` fallback, which is no protection) → no key: the engine keeps its
// own key file (0600) and says so. Pure over the keychain's interface, so it is unit-tested.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of Electron's safeStorage used here. */
export interface Keychain {
  isEncryptionAvailable(): boolean;
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
  /** Linux only: which store backs it (`basic_text` is a hard-coded password: no protection). */
  getSelectedStorageBackend?(): string;
}

export const KEYCHAIN_KEY_FILE = 'secrets-key.keychain';

/** The secrets' key (hex), from the keychain (made on first use); null when there is no real keychain. */
export function keychainSecretsKey(keychain: Keychain, dataDir: string, platform: string = process.platform): string | null {
  if (!keychain.isEncryptionAvailable()) return null;
  if (platform === 'linux' && keychain.getSelectedStorageBackend?.() === 'basic_text') return null;
  const file = join(dataDir, KEYCHAIN_KEY_FILE);
  if (existsSync(file)) {
    try {
      const hex = keychain.decryptString(readFileSync(file));
      if (/^[0-9a-f]{64}$/.test(hex)) return hex;
    } catch {
      // Another keychain (the data dir copied to another account): a new key; the old secrets say to set them again.
    }
  }
  const hex = randomBytes(32).toString('hex');
  writeFileSync(file, keychain.encryptString(hex), { mode: 0o600 });
  chmodSync(file, 0o600);
  return hex;
}
