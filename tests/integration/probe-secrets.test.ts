// Secrets in probes' headers through the engine: `Authorization: Bearer ${secret:api-token}` in a
// probe, the secret set through the API and sealed in secrets.json (0600, the value nowhere in
// clear), sent to a real Python http.server that checks it; a secret not set fails the run naming
// it (never a value); the API lists names only; the keychain's key (the desktop's) reads what it
// sealed, another key cannot and says to set it again.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretStore, SECRETS_FILE, SECRETS_KEY_FILE } from '../../electron/engine/core/secrets.js';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startProbedServer, type ProbedServer } from '../support/probed-server.js';

const TOKEN = 'test-token-42';
let server: ProbedServer;
let engine: Engine;
let dir: string;

beforeAll(async () => {
  server = await startProbedServer();
  dir = mkdtempSync(join(tmpdir(), 'loupe-probe-secrets-'));
  engine = await createEngine({ dataDir: join(dir, 'data') });
});

afterAll(async () => {
  await engine?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const probe = {
  name: 'private-api',
  service: 'api',
  http: { url: '', headers: { Authorization: 'Bearer ${secret:api-token}' } },
};

describe('secrets in probe headers', () => {
  it('fails a probe whose secret is not set, naming the secret', async () => {
    const result = await engine.api.table.request('health.testNow', {
      probe: { ...probe, http: { ...probe.http, url: `${server.url}/private` } },
    });
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/the secret "api-token" is not set/);
  });

  it('sends the secret the API set, sealed on disk, listed by name only', async () => {
    const set = await engine.api.table.request('secrets.set', { name: 'api-token', value: TOKEN });
    expect(set.name).toBe('api-token');
    const result = await engine.api.table.request('health.testNow', {
      probe: { ...probe, http: { ...probe.http, url: `${server.url}/private` } },
    });
    expect([result.ok, result.statusCode]).toEqual([true, 200]);
    // Without the header the server refuses: the 200 came from the secret.
    const bare = await engine.api.table.request('health.testNow', {
      probe: { name: 'bare', service: 'api', http: { url: `${server.url}/private` } },
    });
    expect(bare.statusCode).toBe(401);

    const listed = await engine.api.table.request('secrets.list', {});
    expect(listed).toEqual({ keptIn: 'file', secrets: [{ name: 'api-token', updatedAt: set.updatedAt }] });
    expect(JSON.stringify(listed)).not.toContain(TOKEN);
    const file = join(dir, 'data', SECRETS_FILE);
    expect(readFileSync(file, 'utf8')).not.toContain(TOKEN);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data', SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('refuses bad names and empty values, and deletes', async () => {
    await expect(engine.api.table.request('secrets.set', { name: 'a b', value: 'x' })).rejects.toThrow(/name: letters, digits/);
    await expect(engine.api.table.request('secrets.set', { name: 'empty', value: '' })).rejects.toThrow(/value is required/);
    await engine.api.table.request('secrets.delete', { name: 'api-token' });
    expect((await engine.api.table.request('secrets.list', {})).secrets).toEqual([]);
    await expect(engine.api.table.request('secrets.delete', { name: 'api-token' })).rejects.toThrow(/No secret named "api-token"/);
  });
});

describe('the secrets key', () => {
  it("reads with the keychain's key what it sealed; another key says to set the secret again", () => {
    const data = mkdtempSync(join(tmpdir(), 'loupe-secrets-key-'));
    try {
      const keychainKey = 'ab'.repeat(32);
      const desktop = new SecretStore(data, keychainKey);
      expect(desktop.keptIn).toBe('keychain');
      desktop.set('db-password', 'hunter2');
      expect(new SecretStore(data, keychainKey).resolve('postgres:${secret:db-password}@db')).toBe('postgres:hunter2@db');
      // loupe serve on the same data dir has no keychain: its own key file, which cannot open it.
      const serve = new SecretStore(data);
      expect(serve.keptIn).toBe('file');
      expect(() => serve.get('db-password')).toThrow(/cannot be read with this key file's key .*: set it again/);
      expect(() => serve.get('db-password')).not.toThrow(/hunter2/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
