// `npm start` where Electron's binary cannot be fetched: the cause in words (not "fetch failed"),
// and no new 100 MB attempt on every start for a day.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeFetchFailure,
  electronVersion,
  fetchElectron,
  fetchFailurePath,
  FETCH_RETRY_AFTER_MS,
  recentFetchFailure,
  rememberFetchFailure,
  type FetchFailure,
} from '../../../scripts/electron-runtime.js';
import { ROOT } from '../../support/serve-process.js';

const URL_TRIED = 'https://github.com/electron/electron/releases/download/v45.5.0/electron-v45.5.0-linux-x64.zip';

/** A fetch run as Electron's installer runs it, under the preload that notes why it failed. */
function tracedFetch(url: string): FetchFailure {
  const res = spawnSync(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'electron-fetch-trace.cjs'), '-e', `fetch(${JSON.stringify(url)}).catch(() => process.exit(1))`],
    {
      encoding: 'utf8',
    },
  );
  expect(res.status).toBe(1);
  const line = /^loupe-fetch-failure (.*)$/m.exec(res.stderr)?.[1];
  expect(line, res.stderr).toBeDefined();
  return JSON.parse(line!) as FetchFailure;
}

describe('why Electron could not be fetched', () => {
  it('names the cause of a real failed fetch, and the URL', async () => {
    // A port nothing listens on: bound, then closed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const refused = tracedFetch(`http://127.0.0.1:${port}/electron.zip`);
    expect(refused).toMatchObject({ url: `http://127.0.0.1:${port}/electron.zip`, message: 'fetch failed', code: 'ECONNREFUSED' });
    expect(describeFetchFailure(refused, {})).toBe(
      `127.0.0.1:${port} refused the connection: a firewall, or a proxy is needed (ECONNREFUSED); tried http://127.0.0.1:${port}/electron.zip`,
    );
  });

  it('says DNS, timeouts and TLS interception in words', () => {
    const failure = (code: string): FetchFailure => ({ url: URL_TRIED, message: 'fetch failed', code, causeMessage: `x ${code}` });
    expect(describeFetchFailure(failure('ENOTFOUND'), {})).toBe(
      `cannot resolve github.com: no network, or DNS does not answer (ENOTFOUND); tried ${URL_TRIED}`,
    );
    expect(describeFetchFailure(failure('UND_ERR_CONNECT_TIMEOUT'), {})).toMatch(
      /^no answer from github\.com: no network, or a firewall \(UND_ERR_CONNECT_TIMEOUT\)/,
    );
    expect(describeFetchFailure(failure('SELF_SIGNED_CERT_IN_CHAIN'), {})).toMatch(
      /not trusted: a proxy that inspects TLS\? \(NODE_EXTRA_CA_CERTS/,
    );
    // A cause it has no words for: its own message, not just "fetch failed".
    expect(describeFetchFailure(failure('EWEIRD'), {})).toBe(`fetch failed: x EWEIRD; tried ${URL_TRIED}`);
  });

  it('mentions a proxy variable the download ignores, and never the proxy password', () => {
    const failure: FetchFailure = { url: URL_TRIED, message: 'fetch failed', code: 'ENOTFOUND' };
    const ignored = describeFetchFailure(failure, { HTTPS_PROXY: 'http://me:s3cret@proxy.corp:3128' });
    expect(ignored).toContain("; HTTPS_PROXY is set, but Electron's download uses a proxy only with ELECTRON_GET_USE_PROXY=true;");
    const used = describeFetchFailure(failure, { https_proxy: 'http://me:s3cret@proxy.corp:3128', ELECTRON_GET_USE_PROXY: 'true' });
    expect(used).toContain('; through the proxy proxy.corp:3128 (https_proxy);');
    expect(ignored + used).not.toContain('s3cret');
  });
});

describe('a failed fetch of Electron, remembered', () => {
  const t0 = Date.UTC(2026, 10, 30, 10);

  it('for a day, for the Electron version that failed', () => {
    const root = mkdtempSync(join(tmpdir(), 'loupe-start-'));
    expect(recentFetchFailure(root, '45.5.0', t0)).toBeNull();
    rememberFetchFailure(root, '45.5.0', 'cannot resolve github.com', t0);
    expect(recentFetchFailure(root, '45.5.0', t0 + 60_000)).toEqual({ at: t0, reason: 'cannot resolve github.com' });
    expect(recentFetchFailure(root, '45.5.0', t0 + FETCH_RETRY_AFTER_MS - 1)).not.toBeNull();
    expect(recentFetchFailure(root, '45.5.0', t0 + FETCH_RETRY_AFTER_MS)).toBeNull();
    // Another Electron (an upgrade) is tried at once; so is a clock set back.
    expect(recentFetchFailure(root, '46.0.0', t0 + 60_000)).toBeNull();
    expect(recentFetchFailure(root, '45.5.0', t0 - 60_000)).toBeNull();
    writeFileSync(fetchFailurePath(root), '{not json');
    expect(recentFetchFailure(root, '45.5.0', t0)).toBeNull();
  });

  it('is said instead of fetching again, with how to retry now', () => {
    const root = mkdtempSync(join(tmpdir(), 'loupe-start-'));
    rememberFetchFailure(root, electronVersion(), 'cannot resolve github.com: no network (ENOTFOUND)', t0);
    const lines: string[] = [];
    const problem = fetchElectron({ root, now: t0 + 3 * 3600_000, log: (l) => lines.push(l), env: {} });
    expect(problem).toBe(
      'fetching it failed 3 h ago: cannot resolve github.com: no network (ENOTFOUND)\n' +
        '  Loupe tries again after 24 h; `npm start -- --retry-electron` (or LOUPE_FETCH_ELECTRON=1) tries now',
    );
    expect(lines).toEqual([]); // no "fetching the Electron binary…": it did not try
  });
});
