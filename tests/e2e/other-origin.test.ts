// Another page in the user's own browser, as the attacker: the user has opened Loupe (so the
// browser holds its session cookie), then visits a page served from another local port (a dev
// server showing untrusted content, `python -m http.server` in Downloads). That page tries what
// it can: make Loupe ingest a secret file with a request that needs no preflight, open the API's
// WebSocket, read the API; and its server reads the cookies the browser sends it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import type { SourceView } from '../../shared/model.js';
import { pythonLine } from '../support/log-lines.js';

let serve: ServeProcess;
let browser: TestBrowser;
let evil: Server;
let evilOrigin: string;
const cookiesSeenByEvil: string[] = [];
let dir: string;

const EVIL_PAGE = `<!doctype html><title>Free icons</title><script>
window.attack = async (loupe, secret) => {
  const report = { post: 'sent', ws: 'not opened', wsMessages: 0, read: 'not read' };
  try {
    await fetch(loupe + '/api/sources', { method: 'POST', mode: 'no-cors', credentials: 'include',
      headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ path: secret }) });
  } catch (e) { report.post = 'failed: ' + e; }
  await new Promise((resolve) => {
    const ws = new WebSocket(loupe.replace('http', 'ws') + '/api/ws');
    ws.onopen = () => { report.ws = 'open'; ws.send(JSON.stringify({ kind: 'request', id: 1, method: 'logs.search', params: {} })); };
    ws.onmessage = () => { report.wsMessages++; };
    ws.onclose = () => resolve();
    setTimeout(() => { ws.close(); resolve(); }, 3000);
  });
  try {
    const res = await fetch(loupe + '/api/logs', { credentials: 'include' });
    report.read = 'read ' + (await res.text()).length + ' chars';
  } catch (e) { report.read = 'blocked'; }
  return report;
};
</script>`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-origin-'));
  writeFileSync(join(dir, 'app.log'), pythonLine(new Date(), 'app', 'INFO', "the user's own log"));
  writeFileSync(join(dir, 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n');
  serve = await startServe(['--data-dir', join(dir, 'data'), '--no-otlp', join(dir, 'app.log')]);
  evil = createServer((req, res) => {
    cookiesSeenByEvil.push(req.headers.cookie ?? '');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(EVIL_PAGE);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  evil?.close();
  await serve?.stop();
});

describe('a page on another local port, in the browser where Loupe is open', () => {
  it('cannot make Loupe read a file, open its WebSocket, read its API, or learn its token', async () => {
    const page = await browser.context.newPage();
    // The user opens Loupe as printed; the page works (its own WebSocket is allowed).
    await page.goto(`${serve.url}?token=${serve.token}#/logs`);
    await page.getByText("the user's own log").first().waitFor();

    const attacker = await browser.context.newPage();
    await attacker.goto(`${evilOrigin}/`);
    const loupe = serve.url.replace(/\/$/, '');
    const report = await attacker.evaluate(
      ([l, s]) => (globalThis as unknown as { attack(l: string, s: string): Promise<Record<string, unknown>> }).attack(l!, s!),
      [loupe, join(dir, 'id_rsa')],
    );
    expect(report.ws).toBe('not opened');
    expect(report.wsMessages).toBe(0);
    expect(report.read).toBe('blocked');

    const sources = await serve.get<{ sources: SourceView[] }>('/api/sources');
    expect(sources.sources.map((s) => s.path)).not.toContain(join(dir, 'id_rsa'));
    // The browser sent the attacker's server whatever cookies it holds for 127.0.0.1: never the token.
    expect(cookiesSeenByEvil.join(' ')).toContain('loupe_session=');
    expect(cookiesSeenByEvil.join(' ')).not.toContain(serve.token);

    // Loupe's own page still works after all this.
    await page.reload();
    await page.getByText("the user's own log").first().waitFor();
  });
});
