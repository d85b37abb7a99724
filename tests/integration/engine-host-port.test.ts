// The desktop's carrier: the engine host serves the protocol over a MessagePort handed to it.
// Electron's MessagePortMain is not available here; Node's MessagePort is the same idea, wrapped
// to emit the {data, ports} events MessagePortMain emits.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { serveMain, servePort } from '../../electron/engine/host.js';
import type { FiringAlertItem, HostToMain, MainToHost } from '../../shared/host-protocol.js';
import { TestClock } from '../../electron/engine/core/clock.js';
import type { LogPage } from '../../shared/model.js';
import type { ServerMessage } from '../../shared/api.js';
import { waitFor } from '../support/serve-process.js';

let engine: Engine | undefined;
afterAll(async () => engine?.close());

function asMessagePortMain(port: MessagePort): Parameters<typeof servePort>[1] {
  return {
    on(event: 'message' | 'close', listener: ((e: { data: unknown; ports: never[] }) => void) | (() => void)) {
      if (event === 'message')
        port.on('message', (data: unknown) => (listener as (e: { data: unknown; ports: never[] }) => void)({ data, ports: [] }));
      else port.on('close', listener as () => void);
    },
    postMessage: (message: unknown) => port.postMessage(message),
    start: () => port.start(),
  } as Parameters<typeof servePort>[1];
}

describe('the engine host over a MessagePort', () => {
  it('answers requests and streams the live tail, in JSON text both ways', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-port-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, '2026-11-30 10:00:00,000 ERROR app: over the port\n');
    engine = await createEngine({ dataDir: join(dir, 'data'), paths: [file], pollMs: 50 });
    const { port1, port2 } = new MessageChannel();
    servePort(engine, asMessagePortMain(port1));
    const received: ServerMessage[] = [];
    port2.on('message', (text: string) => received.push(JSON.parse(text) as ServerMessage));

    const e = engine;
    await waitFor(() => (e.sources.list()[0]?.records === 1 ? true : undefined));
    port2.postMessage(JSON.stringify({ kind: 'request', id: 1, method: 'logs.search', params: { q: 'level:error' } }));
    const reply = await waitFor(() => received.find((m) => m.kind === 'response' && m.id === 1));
    expect(reply.kind === 'response' && (reply.result as LogPage).records.map((r) => r.message)).toEqual(['over the port']);
    port1.close();
    port2.close();
  });

  it("acts on main's menu commands and answers a refused one with a dialog message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-main-'));
    const file = join(dir, 'picked.log');
    writeFileSync(file, '2026-11-30 10:00:00,000 INFO app: opened from the menu\n');
    const e = await createEngine({ dataDir: join(dir, 'data'), pollMs: 50 });
    try {
      let fromMain: ((e: { data: unknown; ports: never[] }) => void) | undefined;
      const toMain: HostToMain[] = [];
      serveMain(e, {
        on: (event: string, listener: (e: { data: unknown; ports: never[] }) => void) => {
          if (event === 'message') fromMain = listener;
        },
        postMessage: (message: unknown) => toMain.push(message as HostToMain),
      } as Parameters<typeof serveMain>[1]);
      const send = (data: MainToHost | Record<string, unknown>): void => fromMain!({ data, ports: [] });

      send({ type: 'add-source', path: 42 });
      send({ type: 'add-source', path: '' });
      send({ type: 'add-source', path: file });
      await waitFor(() => (e.sources.list()[0]?.records === 1 ? true : undefined));
      expect(e.sources.list().map((s) => s.path)).toEqual([file]);
      const error = await waitFor(() => toMain[0]);
      expect(error.type).toBe('error');
      expect(error.type === 'error' ? error.message : '').toContain('path: give the file or folder to watch');
      expect(toMain).toHaveLength(1);
    } finally {
      await e.close();
    }
  });

  it("lists the firing alerts for the tray and snoozes or acknowledges one on main's action", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-actions-'));
    const clock = new TestClock(Date.UTC(2026, 0, 1, 12));
    const e = await createEngine({ dataDir: join(dir, 'data'), clock });
    try {
      let fromMain: ((e: { data: unknown; ports: never[] }) => void) | undefined;
      const toMain: HostToMain[] = [];
      serveMain(e, {
        on: (event: string, listener: (e: { data: unknown; ports: never[] }) => void) => {
          if (event === 'message') fromMain = listener;
        },
        postMessage: (message: unknown) => toMain.push(message as HostToMain),
      } as Parameters<typeof serveMain>[1]);
      const send = (data: MainToHost | Record<string, unknown>): void => fromMain!({ data, ports: [] });
      const lastFiring = (): FiringAlertItem[] => {
        const m = toMain.filter((x) => x.type === 'alerts-firing').at(-1);
        return m?.type === 'alerts-firing' ? (JSON.parse(m.alerts) as FiringAlertItem[]) : [];
      };
      const alert = (name: string, severity: string) => ({
        labels: { alertname: name, severity, service: 'api' },
        annotations: { summary: `${name} on api` },
        startsAt: clock.nowMs(),
        endsAt: null,
        generatorURL: `#/alerts/${name}`,
        fingerprint: `fp-${name}`,
        value: 1,
      });
      e.alertManager.send([alert('SlowRequests', 'P3'), alert('ApiDown', 'P1')]);
      expect(lastFiring()).toEqual([
        { fingerprint: 'fp-ApiDown', title: 'ApiDown: ApiDown on api', severity: 'P1', url: '#/alerts/ApiDown' },
        { fingerprint: 'fp-SlowRequests', title: 'SlowRequests: SlowRequests on api', severity: 'P3', url: '#/alerts/SlowRequests' },
      ]);
      // The P1 notification goes at once (group_wait 0s), with what its actions act on.
      await clock.advance(0);
      const notify = toMain.find((m) => m.type === 'alert-notify');
      expect(notify?.type === 'alert-notify' && JSON.parse(notify.fingerprints)).toEqual(['fp-ApiDown']);
      expect(notify?.type === 'alert-notify' && notify.overrideDoNotDisturb).toBe(false);

      send({ type: 'alert-action', fingerprint: 'fp-SlowRequests', action: 'snooze' });
      expect(lastFiring().map((a) => a.fingerprint)).toEqual(['fp-ApiDown']);
      const silence = e.alertManager.listSilences()[0];
      expect(silence).toMatchObject({ createdBy: 'Loupe (snooze)', status: { state: 'active' } });
      expect(Date.parse(silence!.endsAt) - clock.nowMs()).toBe(3_600_000);
      expect(silence!.matchers).toEqual(
        expect.arrayContaining([{ name: 'alertname', value: 'SlowRequests', isRegex: false, isEqual: true }]),
      );

      send({ type: 'alert-action', fingerprint: 'fp-ApiDown', action: 'acknowledge' });
      expect(e.alertManager.acknowledgements().map((a) => a.fingerprint)).toEqual(['fp-ApiDown']);
      // Still listed (it fires), marked, and no longer counted in the badge nor colouring it critical.
      expect(lastFiring()).toEqual([
        { fingerprint: 'fp-ApiDown', title: 'ApiDown: ApiDown on api', severity: 'P1', url: '#/alerts/ApiDown', acknowledged: true },
      ]);
      const badge = toMain.filter((x) => x.type === 'alerts-firing').at(-1);
      expect(badge?.type === 'alerts-firing' && [badge.count, badge.critical]).toEqual([0, false]);
      // Unknown actions and alerts are ignored.
      send({ type: 'alert-action', fingerprint: 'fp-ApiDown', action: 'delete' });
      send({ type: 'alert-action', fingerprint: 'fp-nothing', action: 'snooze' });
      expect(e.alertManager.listSilences()).toHaveLength(1);
    } finally {
      await e.close();
    }
  });
});
