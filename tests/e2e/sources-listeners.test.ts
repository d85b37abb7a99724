// The network log listeners in a real Chromium against the real `loupe serve --python-logging-port 0
// --syslog-port 0`: the bound ports are printed; a real Python program logs through
// DatagramHandler, SocketHandler and SysLogHandler and sends a pickle naming os.system; the Sources
// view shows each listener with its addresses, records, counters (the refusal by reason) and the
// last error, and the records are in the Logs search of the API and in what the stop says it wrote.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogPage } from '../../shared/model.js';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { assertBuilt, startServe, waitFor, type ServeProcess, tearDown } from '../support/serve-process.js';

const PYTHON = '/usr/bin/python3';
const PROGRAM = String.raw`
import logging, logging.handlers, os, pickle, socket, struct, sys
tcp, udp, syslog_port = (int(p) for p in sys.argv[1:])
log = logging.getLogger('shop.worker')
log.propagate = False
log.addHandler(logging.handlers.DatagramHandler('127.0.0.1', udp))
log.addHandler(logging.handlers.SocketHandler('127.0.0.1', tcp))
log.addHandler(logging.handlers.SysLogHandler(address=('127.0.0.1', syslog_port)))
log.warning('queue is %d deep', 120)
for h in log.handlers: h.close()
class Evil:
    def __reduce__(self):
        return (os.system, ('true',))
s = pickle.dumps({'msg': Evil()}, 1)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(struct.pack('>L', len(s)) + s, ('127.0.0.1', udp))
`;

let dir: string;
let serve: ServeProcess;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-listeners-'));
  serve = await startServe(['--data-dir', join(dir, 'data'), '--python-logging-port', '0', '--syslog-port', '0']);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(() => tearDown(dir, browser, serve));

describe('the network log listeners', () => {
  it('prints the bound ports, stores what Python sends, and shows each listener with its counters and last error', async () => {
    const py =
      /Python logging: tcp:\/\/127\.0\.0\.1:(\d+) \(SocketHandler\), udp:\/\/127\.0\.0\.1:(\d+) \(DatagramHandler\), (\S+) \(HTTPHandler\)/.exec(
        serve.output(),
      );
    const sys = /syslog: +udp:\/\/127\.0\.0\.1:(\d+), tcp:\/\/127\.0\.0\.1:(\d+)/.exec(serve.output());
    expect(py, serve.output()).not.toBeNull();
    expect(sys, serve.output()).not.toBeNull();
    expect(py![3]).toBe(`${serve.url}api/python-logging`);
    await promisify(execFile)(PYTHON, ['-c', PROGRAM, py![1]!, py![2]!, sys![1]!]);
    const page1 = await waitFor(async () => {
      const p = await serve.get<LogPage>('/api/logs?q=deep');
      return p.records.length === 3 ? p : undefined;
    });
    expect(page1.records.map((r) => r.level)).toEqual(['warn', 'warn', 'warn']);

    await page.goto(`${serve.url}?token=${serve.token}#/sources`);
    const python = page.getByRole('listitem', { name: /^tcp:\/\/127\.0\.0\.1:\d+ udp:/ });
    await python.getByText('refused.opcode 1').waitFor();
    expect(await python.textContent()).toContain('Python logging');
    expect(await python.getByText(/Last error .*GLOBAL names posix\.system: refused/).count()).toBe(1);
    // The listener works on (the refused message was one of three): its last error is not in red.
    const colorOf = (text: RegExp): Promise<string> =>
      python
        .getByText(text)
        .evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(e).color);
    expect(await colorOf(/Last error/)).toBe(await colorOf(/^Python logging$/));
    expect(await python.getByText('tcpRecords 1').count()).toBe(1);
    expect(await python.getByText('udpRecords 1').count()).toBe(1);
    expect(await python.getByRole('button', { name: /Remove/ }).count()).toBe(0);
    expect(await python.getByRole('combobox').count()).toBe(0);
    const syslog = page.getByRole('listitem', { name: /^udp:\/\/127\.0\.0\.1:\d+ tcp:/ });
    expect(await syslog.textContent()).toContain('syslog');
    await syslog.getByText('udpMessages 1').waitFor();
    // The add form's checkbox sits by its words (a text field's flex: 1 once stretched it to 640 px, the box in its middle).
    const follow = await page.getByRole('checkbox', { name: 'Follow links to files outside the folder' }).boundingBox();
    expect(follow?.width).toBeLessThan(40);
    await screenshot(page, 'sources-listeners-light');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it("counts the listeners' records in what the stop says was written", async () => {
    expect(await serve.stop()).toBe(0);
    expect(serve.output()).toMatch(/Loupe stopped: 3 log records, /);
  });
});
