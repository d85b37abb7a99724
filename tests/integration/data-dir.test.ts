// The data folder as a user finds it on disk: one Loupe at a time (a lock the kernel frees when
// the process dies, whatever pid a previous run left behind), and files readable by the user only.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/engine/engine.js';
import { CLI, ROOT, startServe, waitFor } from '../support/serve-process.js';

const serveArgs = (dataDir: string): string[] => [
  CLI,
  'serve',
  '--data-dir',
  dataDir,
  '--port',
  '0',
  '--no-otlp',
  '--token',
  'test-token-data-dir',
];

/** Runs `loupe serve` expecting it to refuse to start; returns its exit status and stderr. */
function refusedServe(dataDir: string): { status: number | null; stderr: string } {
  const res = spawnSync(process.execPath, serveArgs(dataDir), { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: res.status, stderr: res.stderr.trim() };
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('the data folder lock', () => {
  it('is not held by a pid left in the lock file, whoever has that pid now (another program, or Loupe itself in a container)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-lock-'));
    // pid 1 and the test runner's parent always run: a reboot hands old pids to other programs.
    for (const stale of ['1', String(process.ppid), '']) {
      writeFileSync(join(dataDir, 'loupe.lock'), stale);
      const serve = await startServe(['--data-dir', dataDir]);
      expect(await serve.stop()).toBe(0);
    }
    // In a container Loupe gets the same pid after a restart: its own pid in the file is no owner either.
    writeFileSync(join(dataDir, 'loupe.lock'), String(process.pid));
    const engine = await createEngine({ dataDir });
    await engine.close();
  });

  it('refuses a second Loupe on the same folder, naming the first one, and frees the folder at once when the first is killed', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'loupe-lock-')), 'data');
    const first = await startServe(['--data-dir', dataDir]);
    expect(refusedServe(dataDir)).toEqual({
      status: 2,
      stderr: `loupe: Another Loupe (process ${first.child.pid}) is using ${dataDir}. Stop it first, or give this one another --data-dir.`,
    });
    await expect(createEngine({ dataDir })).rejects.toThrow(`Another Loupe (process ${first.child.pid})`);
    await first.stop('SIGKILL');
    const second = await startServe(['--data-dir', dataDir]);
    expect(await second.stop()).toBe(0);
  });

  it('lets exactly one of two Loupes started at the same moment run', async () => {
    for (let round = 0; round < 4; round++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'loupe-lock-race-'));
      // A lock left by a crash: both starters see a stale owner and race to take it over.
      const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
      writeFileSync(join(dataDir, 'loupe.lock'), gone);
      const starters = [0, 1].map(() => {
        const child = spawn(process.execPath, serveArgs(dataDir), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        return { child, exited, output: () => out };
      });
      try {
        // One serves, the other says why it does not.
        const refused = await Promise.race(starters.map((s, i) => s.exited.then(() => i)));
        const winner = starters[1 - refused]!;
        expect(starters[refused]!.output()).toMatch(/^loupe: Another Loupe \(process \d+\) is using/);
        await waitFor(() => (/Loupe is serving/.test(winner.output()) ? true : undefined), 30_000, 'the winner to serve');
        expect(winner.child.exitCode).toBe(null);
      } finally {
        for (const s of starters) s.child.kill();
        await Promise.all(starters.map((s) => s.exited));
      }
    }
  });
});

describe('the data folder is private', () => {
  it('is made 0700 with its files 0600', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'loupe-modes-')), 'data');
    const serve = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(existsSync(join(dataDir, 'loupe.db-wal'))).toBe(true);
    expect(mode(dataDir)).toBe('700');
    const files = readdirSync(dataDir).sort();
    expect(files).toEqual(expect.arrayContaining(['api-token', 'loupe.db', 'loupe.db-shm', 'loupe.db-wal', 'loupe.lock']));
    expect(Object.fromEntries(files.map((f) => [f, mode(join(dataDir, f))]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
    expect(serve.output()).not.toMatch(/readable by other users/);
    await serve.stop();
  });

  it('repairs a folder an older Loupe left readable by everyone, and says so', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'loupe-modes-')), 'data');
    mkdirSync(dataDir);
    const first = await startServe(['--data-dir', dataDir], {}, { token: false });
    await first.stop();
    chmodSync(dataDir, 0o755);
    for (const f of readdirSync(dataDir)) chmodSync(join(dataDir, f), 0o644);
    const again = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(mode(dataDir)).toBe('700');
    for (const f of readdirSync(dataDir)) expect([f, mode(join(dataDir, f))]).toEqual([f, '600']);
    expect(again.output()).toContain(
      `loupe: the data folder was readable by other users; made it yours only: ${dataDir} 755 → 700, ${join(dataDir, 'loupe.db')} 644 → 600`,
    );
    await again.stop();
  });
});
