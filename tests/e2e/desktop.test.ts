// The desktop app itself, driven by Playwright's Electron support. It needs Electron's binary,
// which machines without internet access can't download: there the spec says so and is skipped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import { ROOT } from '../support/serve-process.js';
import { electronBinary, electronVersion, ensureElectronSqlite } from '../../scripts/electron-runtime.js';

const binary = electronBinary();
if (!binary) console.log('desktop e2e: skipped — no Electron binary on this machine (npm could not download it).');

describe('the desktop app', () => {
  it.skipIf(!binary)('opens a secure window connected to its engine', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'loupe-electron-'));
    // As npm start does: the engine gets better-sqlite3 built for Electron's ABI.
    const sqlite = ensureElectronSqlite(ROOT, electronVersion());
    if (sqlite.problem !== undefined) throw new Error(`SQLite for Electron: ${sqlite.problem}`);
    const app = await _electron.launch({
      executablePath: binary!,
      args: [ROOT, `--user-data-dir=${userData}`],
      env: { ...process.env, XDG_DATA_HOME: userData, LOUPE_SQLITE_BINDING: sqlite.path },
    });
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
});
