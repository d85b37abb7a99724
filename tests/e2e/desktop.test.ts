// The desktop app itself, driven by Playwright's Electron support. It needs Electron's binary,
// which machines without internet access can't download: there the spec says so and is skipped.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import { ROOT } from '../support/serve-process.js';
import { electronBinary, electronVersion, ensureElectronSqlite } from '../../scripts/electron-runtime.js';

const binary = electronBinary();

/** Launches the desktop app on a fresh user-data dir (the engine's data dir), SQLite built for Electron. */
async function launch(userData: string): Promise<Awaited<ReturnType<typeof _electron.launch>>> {
  // As npm start does: the engine gets better-sqlite3 built for Electron's ABI.
  const sqlite = ensureElectronSqlite(ROOT, electronVersion());
  if (sqlite.problem !== undefined) throw new Error(`SQLite for Electron: ${sqlite.problem}`);
  return _electron.launch({
    executablePath: binary!,
    args: [ROOT, `--user-data-dir=${userData}`],
    env: { ...process.env, XDG_DATA_HOME: userData, LOUPE_SQLITE_BINDING: sqlite.path },
  });
}
if (!binary) console.log('desktop e2e: skipped — no Electron binary on this machine (npm could not download it).');

describe('the desktop app', () => {
  it.skipIf(!binary)('opens a secure window connected to its engine', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'loupe-electron-'));
    const app = await launch(userData);
    try {
      const page = await app.firstWindow();
      expect(await page.title()).toBe('Loupe');
      // No Node in the page, only the preload's narrow bridge.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { loupeDesktop?: unknown }).loupeDesktop)).toBe('object');
      await page.getByRole('searchbox').first().waitFor();
      // The engine answers over its MessagePort: the Sources view shows the OTLP receiver's state.
      await page.getByRole('link', { name: 'Sources' }).click();
      await page.getByRole('heading', { name: 'OpenTelemetry (OTLP)' }).waitFor({ timeout: 15_000 });
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        // getLastWebPreferences is Electron API missing from playwright-core's bundled types.
        const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as {
          getLastWebPreferences(): { contextIsolation?: boolean; sandbox?: boolean; nodeIntegration?: boolean } | null;
        };
        const wp = contents.getLastWebPreferences();
        return { contextIsolation: wp?.contextIsolation, sandbox: wp?.sandbox, nodeIntegration: wp?.nodeIntegration };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });
      // Electron grants every permission by default: here only notifications, to the app's page.
      const permissions = await page.evaluate(async () => {
        const ask = (name: string): Promise<string> =>
          (
            globalThis as unknown as { navigator: { permissions: { query(d: { name: string }): Promise<{ state: string }> } } }
          ).navigator.permissions
            .query({ name })
            .then(
              (r) => r.state,
              () => 'error',
            );
        return { notifications: await ask('notifications'), geolocation: await ask('geolocation'), camera: await ask('camera') };
      });
      expect(permissions.notifications).toBe('granted');
      expect(permissions.geolocation).not.toBe('granted');
      expect(permissions.camera).not.toBe('granted');
      // A second launch hands over to this one and exits instead of starting a second engine.
      const sqlite = ensureElectronSqlite(ROOT, electronVersion());
      const second = await import('node:child_process').then(({ spawnSync }) =>
        spawnSync(binary!, [ROOT, `--user-data-dir=${userData}`], {
          env: { ...process.env, XDG_DATA_HOME: userData, LOUPE_SQLITE_BINDING: sqlite.path },
          timeout: 30_000,
          encoding: 'utf8',
        }),
      );
      expect(second.status).toBe(0);
      expect(second.stderr).not.toMatch(/Another Loupe|is using/);
    } finally {
      await app.close();
    }
  });

  it.skipIf(!binary)(
    'shows a firing rule as a native notification whose click opens the alert',
    async () => {
      const userData = mkdtempSync(join(tmpdir(), 'loupe-electron-'));
      // A rule in the data dir's rules folder that starts to hold 20 s from now (after the spec has
      // started recording what the app shows); P1 notifies at once.
      const holdsFrom = Math.floor(Date.now() / 1000) + 20;
      mkdirSync(join(userData, 'rules'), { recursive: true });
      writeFileSync(
        join(userData, 'rules', 'desktop.yml'),
        [
          'groups:',
          '  - name: desktop',
          '    interval: 5s',
          '    rules:',
          '      - alert: DesktopSpecAlert',
          `        expr: time() > ${holdsFrom}`,
          '        labels: { severity: P1 }',
          '        annotations: { summary: "The desktop spec fired this" }',
          '',
        ].join('\n'),
      );
      const app = await launch(userData);
      try {
        // Record what the main process shows. A machine without a notification daemon says
        // notifications are unsupported: the app's own path is checked here, not the daemon.
        await app.evaluate(({ Notification }) => {
          const shown: unknown[] = [];
          (globalThis as { loupeShown?: unknown[] }).loupeShown = shown;
          const show = Notification.prototype.show;
          Notification.isSupported = () => true;
          Notification.prototype.show = function (this: InstanceType<typeof Notification>) {
            shown.push(this);
            show.call(this);
          };
        });
        const page = await app.firstWindow();
        await page.getByRole('searchbox').first().waitFor();
        const deadline = Date.now() + 60_000;
        let seen: { title: string; body: string; urgency: string } | null = null;
        while (seen === null && Date.now() < deadline) {
          seen = await app.evaluate(() => {
            const n = (globalThis as { loupeShown?: { title: string; body: string; urgency: string }[] }).loupeShown?.[0];
            return n ? { title: n.title, body: n.body, urgency: n.urgency } : null;
          });
          if (seen === null) await new Promise((r) => setTimeout(r, 250));
        }
        expect(seen).not.toBeNull();
        expect(seen!.title).toBe('P1 DesktopSpecAlert firing');
        expect(seen!.body).toContain('The desktop spec fired this');
        // P1 is critical only when the user allowed it past do-not-disturb (not by default).
        expect(seen!.urgency).toBe('normal');
        // Its click brings the window to the alert.
        await app.evaluate(() => {
          const n = (globalThis as { loupeShown?: { emit(e: string): void }[] }).loupeShown?.[0];
          n?.emit('click');
        });
        await page.waitForFunction(
          () => (globalThis as unknown as { location: { hash: string } }).location.hash.startsWith('#/alerts'),
          undefined,
          {
            timeout: 10_000,
          },
        );
        await page.getByText('DesktopSpecAlert').first().waitFor({ timeout: 10_000 });
      } finally {
        await app.close();
      }
    },
    120_000,
  );
});
