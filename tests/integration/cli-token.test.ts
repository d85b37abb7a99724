// The token a user didn't choose stays the same across restarts of `loupe serve` (a browser tab
// or a script keeps working), is kept readable by the user only, and yields to --token / LOUPE_TOKEN.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe } from '../support/serve-process.js';

describe('the API token of loupe serve', () => {
  it('is made once per data folder and kept there', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'loupe-token-')), 'data');
    const first = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect((await first.get<{ version: string }>('/api/status'))).toBeTruthy();
    expect(await first.stop()).toBe(0);
    expect(statSync(join(dataDir, 'api-token')).mode & 0o777).toBe(0o600);

    const second = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(second.token).toBe(first.token);
    await second.stop();

    // Given ones win, and don't replace the kept one.
    const given = await startServe(['--data-dir', dataDir, '--token', 'mine-1234567890abcdef'], {}, { token: false });
    expect(given.token).toBe('mine-1234567890abcdef');
    await given.stop();
    const fromEnv = await startServe(['--data-dir', dataDir], { LOUPE_TOKEN: 'env-1234567890abcdef' }, { token: false });
    expect(fromEnv.token).toBe('env-1234567890abcdef');
    expect((await fetch(new URL('/api/status', fromEnv.url), { headers: { Authorization: `Bearer ${first.token}` } })).status).toBe(401);
    await fromEnv.stop();
    const third = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(third.token).toBe(first.token);
    await third.stop();
  });
});
