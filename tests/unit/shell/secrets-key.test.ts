// The desktop's secrets key kept by the OS keychain (electron/main/secrets-key.ts), over a stand-in
// for safeStorage (Electron's binary can't run here): made once and sealed, the same key read back
// at the next start, none when the keychain is missing or is Linux's plain-text fallback, a new one
// when the sealed key can't be opened (another account's keychain).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_KEY_FILE, keychainSecretsKey, type Keychain } from '../../../electron/main/secrets-key.js';

/** A keychain that seals by XOR with its own secret byte (what matters: only it opens what it sealed). */
function keychain(secret: number, backend = 'gnome_libsecret', available = true): Keychain {
  const xor = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ secret));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => Buffer.concat([Buffer.from('sealed:'), xor(Buffer.from(text))]),
    decryptString: (data) => {
      if (!data.subarray(0, 7).equals(Buffer.from('sealed:'))) throw new Error('not sealed');
      const text = xor(data.subarray(7)).toString('utf8');
      if (!/^[0-9a-f]+$/.test(text)) throw new Error('another keychain');
      return text;
    },
    getSelectedStorageBackend: () => backend,
  };
}

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'loupe-keychain-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the secrets key in the keychain', () => {
  it('is made once, stored only sealed (0600), and read back the same', () => {
    const dir = tempDir();
    const key = keychainSecretsKey(keychain(0x5a), dir, 'linux');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const file = join(dir, KEYCHAIN_KEY_FILE);
    expect(readFileSync(file).toString('latin1')).not.toContain(key!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keychainSecretsKey(keychain(0x5a), dir, 'linux')).toBe(key);
  });

  it("gives none without a keychain, or with Linux's plain-text fallback", () => {
    expect(keychainSecretsKey(keychain(1, 'gnome_libsecret', false), tempDir(), 'darwin')).toBeNull();
    expect(keychainSecretsKey(keychain(1, 'basic_text'), tempDir(), 'linux')).toBeNull();
    expect(keychainSecretsKey(keychain(1, 'basic_text'), tempDir(), 'darwin')).toMatch(/^[0-9a-f]{64}$/);
  });

  it("makes a new key when the sealed one can't be opened", () => {
    const dir = tempDir();
    writeFileSync(join(dir, KEYCHAIN_KEY_FILE), 'garbage');
    const key = keychainSecretsKey(keychain(7), dir, 'linux');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(keychainSecretsKey(keychain(7), dir, 'linux')).toBe(key);
  });
});
