// Secrets the user gives Loupe (a probe's Authorization header) without writing them into a file
// they may share: probes.yml says `${secret:NAME}` and the value lives here, in `secrets.json` in
// the data dir (0600), each value sealed with AES-256-GCM. The key: on the desktop, a random key
// kept sealed by the OS keychain (Electron's safeStorage, in the main process) and handed to the
// engine at start (`LOUPE_SECRETS_KEY`); with `loupe serve` alone, a random key in `secrets.key`
// (0600) beside it — then the file's protection is the file mode, as for the API token. Values are
// never logged, never listed by the API, never in an error message.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from './data-dir.js';
import { BadRequestError, NotFoundError } from './errors.js';

export const SECRETS_FILE = 'secrets.json';
export const SECRETS_KEY_FILE = 'secrets.key';
/** A secret's name: what `${secret:NAME}` can say. */
export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** `${secret:NAME}` in a value. */
const REFERENCE = /\$\{secret:([^}]*)\}/g;
const MAX_VALUE = 16 * 1024;

interface Sealed {
  /** base64 of iv (12) ‖ tag (16) ‖ ciphertext. */
  sealed: string;
  updatedAt: string;
}

export interface SecretInfo {
  name: string;
  updatedAt: string;
}

export class SecretStore {
  private readonly path: string;
  private readonly keyFile: string;
  private keyBytes: Buffer | null = null;
  private sealed: Record<string, Sealed> | null = null;
  /** Where the key is kept: the OS keychain (desktop) or the key file beside (loupe serve). */
  readonly keptIn: 'keychain' | 'file';

  constructor(dataDir: string, keychainKeyHex?: string) {
    this.path = join(dataDir, SECRETS_FILE);
    this.keyFile = join(dataDir, SECRETS_KEY_FILE);
    if (keychainKeyHex !== undefined && /^[0-9a-f]{64}$/i.test(keychainKeyHex)) {
      this.keyBytes = Buffer.from(keychainKeyHex, 'hex');
      this.keptIn = 'keychain';
    } else {
      this.keptIn = 'file';
    }
  }

  /** The key file is made when the first secret is set or read, not for every data dir. */
  private get key(): Buffer {
    this.keyBytes ??= fileKey(this.keyFile);
    return this.keyBytes;
  }

  list(): SecretInfo[] {
    return Object.entries(this.read())
      .map(([name, s]) => ({ name, updatedAt: s.updatedAt }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  set(name: string, value: string, nowMs = Date.now()): SecretInfo {
    if (!SECRET_NAME.test(name)) throw new BadRequestError('name: letters, digits, _ . - (at most 64).');
    if (value.length === 0 || value.length > MAX_VALUE) throw new BadRequestError(`value: between 1 and ${MAX_VALUE} characters.`);
    const all = { ...this.read() }; // a copy: the kept values change only once the file is written
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const updatedAt = new Date(nowMs).toISOString();
    all[name] = { sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), updatedAt };
    this.write(all);
    return { name, updatedAt };
  }

  delete(name: string): void {
    const all = { ...this.read() }; // a copy: the kept values change only once the file is written
    if (!(name in all)) throw new NotFoundError(`No secret named "${name}".`);
    delete all[name];
    this.write(all);
  }

  /** The value of a secret; an error that names the secret (never its value) when it can't be had. */
  get(name: string): string {
    const s = this.read()[name];
    if (!s) throw new Error(`the secret "${name}" is not set (Health › secrets, or POST /api/secrets/${name})`);
    try {
      const raw = Buffer.from(s.sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        `the secret "${name}" cannot be read with this ${this.keptIn === 'keychain' ? "keychain's" : "key file's"} key (set by the ${this.keptIn === 'keychain' ? 'command line' : 'desktop app'}?): set it again`,
      );
    }
  }

  /** A value with its `${secret:NAME}` references replaced by the secrets' values. */
  resolve(value: string): string {
    return value.indexOf('${secret:') === -1 ? value : value.replace(REFERENCE, (_, name: string) => this.get(name));
  }

  /**
   * The sealed values, read once: only this store writes the file (one engine per data dir), so a
   * probe's run fills its headers without reading the disk.
   */
  private read(): Record<string, Sealed> {
    if (this.sealed === null) {
      const parsed = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as unknown) : {};
      this.sealed = parsed && typeof parsed === 'object' ? (parsed as Record<string, Sealed>) : {};
    }
    return this.sealed;
  }

  private write(all: Record<string, Sealed>): void {
    writePrivateFile(this.path, JSON.stringify(all, null, 2) + '\n');
    this.sealed = all;
  }
}

/** The names a value refers to with `${secret:NAME}`. */
export function secretReferences(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((m) => m[1] ?? '');
}

function fileKey(path: string): Buffer {
  if (existsSync(path)) {
    const hex = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/i.test(hex)) return Buffer.from(hex, 'hex');
  }
  const key = randomBytes(32);
  writePrivateFile(path, key.toString('hex') + '\n');
  return key;
}
