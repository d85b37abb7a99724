// The alert manager's notifiers against real receivers: a local HTTP server for webhooks (with
// 500s, retried on the test clock until delivered, each attempt in the history), a real process
// for the command receiver (and its timeout, which kills the process group), and Debian's
// prometheus-alertmanager 0.25 as the team Alertmanager, read back through its own API.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../electron/engine/alerting/alert.js';
import { AlertManager } from '../../electron/engine/alerting/manager/alert-manager.js';
import { CommandNotifier } from '../../electron/engine/alerting/notifiers/command.js';
import type { Notification } from '../../electron/engine/alerting/notifiers/notification.js';
import { systemClock, TestClock } from '../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { EventBus } from '../../electron/engine/core/events.js';
import { Scheduler } from '../../electron/engine/core/scheduler.js';
import { waitFor } from '../support/serve-process.js';

const START = Date.UTC(2026, 0, 1);
let dir: string;
const closers: (() => unknown)[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-notifiers-'));
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function p1(name: string): Alert {
  const labels = { alertname: name, severity: 'P1', service: 'api' };
  return {
    labels,
    annotations: { summary: `${name}: the API answers 500`, runbook_url: 'https://runbooks.example/api' },
    startsAt: START,
    endsAt: null,
    generatorURL: `http://127.0.0.1:4320/#/alerts/${name}`,
    fingerprint: `fp-${name}`,
    value: 0.42,
  };
}

let dbCount = 0;
function managerWith(config: string, clock: TestClock | null): { manager: AlertManager; db: Db; scheduler: Scheduler } {
  const db = openDatabase(join(dir, `loupe-${dbCount++}.db`));
  const scheduler = new Scheduler(clock ?? systemClock);
  const manager = new AlertManager({ db, scheduler, events: new EventBus(), config });
  manager.start();
  closers.push(
    () => db.close(),
    () => manager.stop(),
  );
  return { manager, db, scheduler };
}

async function listen(handle: (req: IncomingMessage, body: string) => number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const status = handle(req, body);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? 'boom: database locked' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('webhook notifier', () => {
  it("delivers Alertmanager's webhook JSON, retrying after 500s with backoff, every attempt in the history", async () => {
    const bodies: unknown[] = [];
    let answers = [500, 500, 200];
    const { url } = await listen((_req, body) => {
      bodies.push(JSON.parse(body));
      return answers.shift() ?? 200;
    });
    const clock = new TestClock(START);
    const { manager } = managerWith(`route: {receiver: hook}\nreceivers: [{name: hook, webhook_configs: [{url: "${url}/hook"}]}]\n`, clock);
    manager.send([p1('ApiErrors')]);
    await clock.advance(30_000); // group_wait of the top route
    await manager.settled();
    let [entry] = manager.history(10, undefined);
    expect(entry).toMatchObject({ integration: 'webhook', target: `${url}/hook`, status: 'retrying', attempts: 1, kind: 'firing' });
    expect(entry?.lastError).toBe('HTTP 500: boom: database locked');
    await clock.advance(10_000); // first retry after 10 s
    await manager.settled();
    expect(manager.history(10, undefined)[0]).toMatchObject({ status: 'retrying', attempts: 2 });
    await clock.advance(30_000); // then 30 s
    await manager.settled();
    [entry] = manager.history(10, undefined);
    expect(entry).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    expect(bodies).toHaveLength(3);
    expect(bodies[2]).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hook',
      groupLabels: {},
      commonLabels: { alertname: 'ApiErrors', severity: 'P1', service: 'api' },
      commonAnnotations: { summary: 'ApiErrors: the API answers 500' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ApiErrors', severity: 'P1', service: 'api' },
          startsAt: '2026-01-01T00:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://127.0.0.1:4320/#/alerts/ApiErrors',
          fingerprint: 'fp-ApiErrors',
        },
      ],
    });

    // A receiver that never recovers: `failed` after the last attempt, kept in the history.
    answers = Array<number>(10).fill(503);
    manager.send([{ ...p1('ApiErrors'), endsAt: clock.nowMs() }]);
    for (let i = 0; i < 8; i++) {
      await clock.advance(15 * 60_000);
      await manager.settled();
    }
    [entry] = manager.history(10, undefined);
    expect(entry).toMatchObject({ kind: 'resolved', status: 'failed', attempts: 6, lastError: 'HTTP 503: boom: database locked' });
  });

  it("speaks Slack's {text, blocks} with format: slack", async () => {
    const bodies: { text: string; blocks: { type: string }[] }[] = [];
    const { url } = await listen((_req, body) => {
      bodies.push(JSON.parse(body) as (typeof bodies)[number]);
      return 200;
    });
    const clock = new TestClock(START);
    const { manager } = managerWith(
      `route: {receiver: chat, group_wait: 0s}\nreceivers: [{name: chat, webhook_configs: [{url: "${url}", format: slack}]}]\n`,
      clock,
    );
    manager.send([p1('ApiErrors')]);
    await clock.advance(0);
    await manager.settled();
    expect(bodies[0]?.text).toBe(':rotating_light: P1 ApiErrors firing\nApiErrors: the API answers 500');
    expect(bodies[0]?.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });
});

describe('command notifier', () => {
  it('runs the program with the notification JSON on stdin', async () => {
    const out = join(dir, 'stdin.json');
    const clock = new TestClock(START);
    const config = `route: {receiver: run, group_wait: 0s}\nreceivers: [{name: run, command_configs: [{command: [/bin/sh, -c, 'cat > "$0"', ${JSON.stringify(out)}]}]}]\n`;
    const { manager } = managerWith(config, clock);
    manager.send([p1('ApiErrors')]);
    await clock.advance(0);
    await manager.settled();
    expect(manager.history(1, undefined)[0]).toMatchObject({ integration: 'command', status: 'delivered' });
    const sent = JSON.parse(readFileSync(out, 'utf8')) as { status: string; alerts: { labels: Record<string, string> }[] };
    expect(sent.status).toBe('firing');
    expect(sent.alerts[0]?.labels.alertname).toBe('ApiErrors');
  });

  it('kills the process group at the timeout and says so', async () => {
    const pidFile = join(dir, 'child.pid');
    // The shell starts a child of its own: the timeout must end it too, not only the shell.
    const notifier = new CommandNotifier(
      { command: ['/bin/sh', '-c', `sleep 60 & echo $! > ${pidFile}; echo waiting >&2; wait`], sendResolved: true, timeoutMs: 500 },
      new Scheduler(systemClock),
    );
    const n = { alerts: [], status: 'firing', kind: 'firing', urgency: 'normal' } as unknown as Notification;
    await expect(notifier.send(n)).rejects.toThrow('killed after the 500 ms timeout: waiting');
    const child = Number(readFileSync(pidFile, 'utf8'));
    const state = await waitFor(
      () => {
        const status = existsSync(`/proc/${child}/status`) ? readFileSync(`/proc/${child}/status`, 'utf8') : 'State: gone';
        const s = /State:\s+(\S+)/.exec(status)?.[1];
        return s === 'gone' || s === 'Z' ? s : undefined;
      },
      5000,
      'the child to end',
    );
    expect(['gone', 'Z']).toContain(state);
  });

  it('a failing program is a failed attempt with its stderr', async () => {
    const notifier = new CommandNotifier(
      { command: ['/bin/sh', '-c', 'echo "no route to pager" >&2; exit 3'], sendResolved: true, timeoutMs: 5000 },
      new Scheduler(systemClock),
    );
    const n = { alerts: [], status: 'firing', kind: 'firing', urgency: 'normal' } as unknown as Notification;
    await expect(notifier.send(n)).rejects.toThrow('exited with status 3: no route to pager');
  });
});

describe('team Alertmanager (Debian prometheus-alertmanager 0.25)', () => {
  let am: ChildProcess | undefined;
  let amUrl = '';

  beforeAll(async () => {
    const amDir = join(dir, 'am');
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(config, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      '/usr/bin/prometheus-alertmanager',
      [`--config.file=${config}`, `--storage.path=${amDir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
      { stdio: 'ignore' },
    );
    await waitFor(async () => ((await fetch(`${amUrl}/-/ready`).catch(() => null))?.ok ? true : undefined), 30_000, 'Alertmanager ready');
  }, 40_000);
  afterAll(async () => {
    // Alertmanager writes its snapshots into its storage folder as it stops: wait, or the folder's
    // removal races those writes (ENOTEMPTY).
    if (am && am.exitCode === null) {
      const exited = new Promise((resolve) => am!.once('exit', resolve));
      am.kill();
      await exited;
    }
  });

  it('receives the firing alert with startsAt, endsAt and generatorURL, then its resolution', async () => {
    const clock = new TestClock(Date.now());
    const { manager } = managerWith(
      `route: {receiver: team, group_wait: 0s}\nreceivers: [{name: team, alertmanager_configs: [{url: "${amUrl}"}]}]\n`,
      clock,
    );
    const alert = { ...p1('ApiErrors'), startsAt: clock.nowMs() - 60_000 };
    manager.send([alert]);
    await clock.advance(0);
    await manager.settled();
    expect(manager.history(1, undefined)[0]).toMatchObject({
      integration: 'alertmanager',
      target: `${amUrl}/api/v2/alerts`,
      status: 'delivered',
    });
    type AmAlert = {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt: string;
      generatorURL: string;
      status: { state: string };
    };
    const firing = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as AmAlert[];
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({
      labels: alert.labels,
      annotations: alert.annotations,
      generatorURL: alert.generatorURL,
      status: { state: 'active' },
    });
    expect(Date.parse(firing[0]!.startsAt)).toBe(alert.startsAt);
    // Firing alerts end three group intervals ahead unless posted again (5 m by default).
    expect(Date.parse(firing[0]!.endsAt)).toBe(clock.nowMs() + 3 * 5 * 60_000);

    manager.send([{ ...alert, endsAt: clock.nowMs() }]);
    await clock.advance(5 * 60_000);
    await manager.settled();
    expect(manager.history(1, undefined)[0]).toMatchObject({ kind: 'resolved', status: 'delivered' });
    // Alertmanager's API lists only alerts that have not ended.
    expect(await (await fetch(`${amUrl}/api/v2/alerts`)).json()).toEqual([]);
  });
});
