// alertmanager.yml edited by hand while Loupe runs: a broken version does not stop the engine (the
// defaults run) nor the running configuration (the last good one keeps routing), its problem is
// on engine.status and GET /api/status with the file, line and column, and the next good version
// is picked up by the reload job (driven by a TestClock).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_CHECK_MS } from '../../electron/engine/alerting/manager/config-file.js';
import { startHttpServer } from '../../electron/engine/api/http-server.js';
import { TestClock } from '../../electron/engine/core/clock.js';
import { ALERT_MANAGER_CONFIG_FILE, createEngine } from '../../electron/engine/engine.js';
import type { EngineStatusView } from '../../shared/model.js';

const dir = mkdtempSync(join(tmpdir(), 'loupe-amconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'amconfig-test-token';
const QUIET = 'route:\n  receiver: quiet\n  group_wait: 1m\nreceivers:\n  - name: quiet\n';
const BROKEN = 'route:\n  receiver: quiet\n  group_wait: 5x\nreceivers:\n  - name: quiet\n';
const LOUD = 'route:\n  receiver: loud\n  group_wait: 0s\nreceivers:\n  - name: loud\n    desktop_configs: [{}]\n';

describe('alertmanager.yml edited while Loupe runs', () => {
  it('starts on the defaults with a broken file, keeps the last good configuration, says where the mistake is', async () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, ALERT_MANAGER_CONFIG_FILE);
    writeFileSync(path, BROKEN);
    const clock = new TestClock(Date.UTC(2026, 0, 1));
    const engine = await createEngine({ dataDir, clock });
    const server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
    try {
      const apiStatus = async (): Promise<EngineStatusView> =>
        (await (
          await fetch(new URL('/api/status', server.url), { headers: { Authorization: `Bearer ${TOKEN}` } })
        ).json()) as EngineStatusView;
      const expectedError = `${path}:3:15: "5x" is not a duration (such as 30s, 5m, 4h, 1h30m)`;
      expect(engine.status().alertManager).toMatchObject({ configFile: path, configError: expectedError, firing: 0 });
      expect((await apiStatus()).alertManager?.configError).toBe(expectedError);
      expect(engine.alertManager.config.route.receiver).toBe('desktop'); // the defaults

      writeFileSync(path, QUIET);
      await clock.advance(CONFIG_CHECK_MS);
      expect(engine.status().alertManager?.configError).toBeNull();
      expect(engine.alertManager.config.route).toMatchObject({ receiver: 'quiet', groupWaitMs: 60_000 });

      // Broken again: the quiet configuration keeps running, the problem is shown.
      writeFileSync(path, BROKEN);
      await clock.advance(CONFIG_CHECK_MS);
      expect((await apiStatus()).alertManager).toMatchObject({ configError: expectedError, configReloadErrors: 2 });
      expect(engine.alertManager.config.route.receiver).toBe('quiet');

      writeFileSync(path, LOUD);
      await clock.advance(CONFIG_CHECK_MS);
      expect(engine.status().alertManager?.configError).toBeNull();
      expect(engine.alertManager.config.route).toMatchObject({ receiver: 'loud', groupWaitMs: 0 });

      // Removed: the defaults again.
      rmSync(path);
      await clock.advance(CONFIG_CHECK_MS);
      expect(engine.alertManager.config.route.receiver).toBe('desktop');
    } finally {
      await server.close();
      await engine.close();
    }
  });
});
