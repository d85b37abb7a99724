// What `loupe serve` and POST /api/sources do with the paths a user gives: one that is not there
// yet is waited for (an app that has not written its log yet), one that can never appear is
// refused; a folder's links to files outside it are read only when asked for.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogPage, SourceView } from '../../shared/model.js';
import { CLI, ROOT, startServe, waitFor, type ServeProcess } from '../support/serve-process.js';

const line = (i: number, msg: string): string => `2026-11-30 10:00:${String(i).padStart(2, '0')},000 INFO app: ${msg}\n`;

async function post(serve: ServeProcess, body: unknown): Promise<{ status: number; body: SourceView & { error?: { message: string } } }> {
  const res = await fetch(new URL('/api/sources', serve.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as SourceView & { error?: { message: string } } };
}

const messages = async (serve: ServeProcess): Promise<string[]> =>
  (await serve.get<LogPage>('/api/logs?limit=100')).records.map((r) => r.message).sort();

describe('a path that is not there yet', () => {
  it('is watched for, said so in the banner and on the source, and read from its start when it appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-later-'));
    const file = join(dir, 'app.log');
    const nested = join(dir, 'var', 'log', 'worker.log');
    const serve = await startServe(['--data-dir', join(dir, 'data'), '--poll-ms', '50', file, nested]);
    try {
      expect(serve.output()).toContain(`  watching: ${file} (not there yet: waiting for it to appear)\n`);
      expect(serve.output()).toContain(`  watching: ${nested} (not there yet: waiting for it to appear)\n`);
      const { sources } = await serve.get<{ sources: SourceView[] }>('/api/sources');
      expect(sources.map((s) => [s.path, s.state])).toEqual([
        [file, 'missing'],
        [nested, 'missing'],
      ]);

      writeFileSync(file, line(1, 'first') + line(2, 'second'));
      mkdirSync(join(dir, 'var', 'log'), { recursive: true });
      writeFileSync(nested, line(3, 'worker started'));
      await waitFor(async () => ((await messages(serve)).length === 3 ? true : undefined), 20_000, 'the lines of the files that appeared');
      expect(await messages(serve)).toEqual(['first', 'second', 'worker started']);
      const after = await serve.get<{ sources: SourceView[] }>('/api/sources');
      expect(after.sources.map((s) => s.state)).toEqual(['watching', 'watching']);
    } finally {
      await serve.stop();
    }
  });

  it('is also waited for when added over the API, by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-later-api-'));
    const serve = await startServe(['--data-dir', join(dir, 'data'), '--poll-ms', '50']);
    try {
      const added = await post(serve, { path: join(dir, 'later.log') });
      expect([added.status, added.body.path, added.body.state]).toEqual([201, join(dir, 'later.log'), 'missing']);
      writeFileSync(join(dir, 'later.log'), line(1, 'hello'));
      await waitFor(async () => ((await messages(serve)).includes('hello') ? true : undefined));
    } finally {
      await serve.stop();
    }
  });

  it('is refused when it can never appear: a file where a folder must be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-never-'));
    const notADir = join(dir, 'notes.txt');
    writeFileSync(notADir, 'just a file\n');
    const res = spawnSync(
      process.execPath,
      [CLI, 'serve', join(notADir, 'app.log'), '--data-dir', join(dir, 'data'), '--port', '0', '--no-otlp'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect([res.status, res.stderr.trim()]).toEqual([
      2,
      `loupe: path: cannot watch ${join(notADir, 'app.log')}: ${notADir} is a file, not a folder`,
    ]);

    const serve = await startServe(['--data-dir', join(dir, 'data')]);
    try {
      const refused = await post(serve, { path: join(notADir, 'sub', 'app.log') });
      expect([refused.status, refused.body.error?.message]).toEqual([
        400,
        `path: cannot watch ${join(notADir, 'sub', 'app.log')}: ${notADir} is a file, not a folder`,
      ]);
    } finally {
      await serve.stop();
    }
  });

  // root may look into any folder: the case only exists for other users.
  it.skipIf(process.getuid?.() === 0)('is refused when Loupe may not look into its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-noperm-'));
    const closed = join(dir, 'closed');
    mkdirSync(closed);
    chmodSync(closed, 0o000);
    const serve = await startServe(['--data-dir', join(dir, 'data')]);
    try {
      const refused = await post(serve, { path: join(closed, 'app.log') });
      expect([refused.status, refused.body.error?.message]).toEqual([
        400,
        `path: cannot watch ${join(closed, 'app.log')}: no permission to look into ${closed}`,
      ]);
    } finally {
      await serve.stop();
      chmodSync(closed, 0o700);
    }
  });
});

describe('links in a watched folder', () => {
  function folderWithLinks(): { dir: string; logs: string; secret: string } {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-links-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    mkdirSync(join(dir, 'home', '.ssh'), { recursive: true });
    const secret = join(dir, 'home', '.ssh', 'id_rsa');
    writeFileSync(secret, line(9, 'PRIVATE KEY'));
    writeFileSync(join(logs, 'app.log'), line(1, 'app one') + line(2, 'app two'));
    symlinkSync(secret, join(logs, 'x.log'));
    // A link to a file of the folder: the file is read once, under its own name.
    symlinkSync(join(logs, 'app.log'), join(logs, 'current.log'));
    return { dir, logs, secret };
  }

  it('does not follow a link out of the folder unless asked, and says so on the source', async () => {
    const { dir, logs, secret } = folderWithLinks();
    const serve = await startServe(['--data-dir', join(dir, 'data'), '--poll-ms', '50', logs]);
    try {
      const source = await waitFor(async () => {
        const s = (await serve.get<{ sources: SourceView[] }>('/api/sources')).sources[0];
        return s && s.records === 2 && s.files.some((f) => f.skipped) ? s : undefined;
      });
      expect(source.files.map((f) => [f.path, f.skipped])).toEqual([
        [join(logs, 'app.log'), undefined],
        [
          join(logs, 'x.log'),
          `x.log is a link to ${secret} outside the folder: not followed (add it as its own source, or turn on following links)`,
        ],
      ]);
      expect(source.followSymlinks).toBeUndefined();
      expect(await messages(serve)).toEqual(['app one', 'app two']);

      // The user asks for that file by its own name (a link given explicitly is fine too).
      const asked = await post(serve, { path: join(logs, 'x.log') });
      expect(asked.status).toBe(201);
      await waitFor(async () => ((await messages(serve)).includes('PRIVATE KEY') ? true : undefined));
    } finally {
      await serve.stop();
    }
  });

  it('follows links out of the folder with --follow-symlinks (and followSymlinks over the API)', async () => {
    const { dir, logs } = folderWithLinks();
    const serve = await startServe(['--data-dir', join(dir, 'data'), '--poll-ms', '50', '--follow-symlinks', logs]);
    try {
      await waitFor(async () => ((await messages(serve)).length === 3 ? true : undefined));
      expect(await messages(serve)).toEqual(['PRIVATE KEY', 'app one', 'app two']);
      const [source] = (await serve.get<{ sources: SourceView[] }>('/api/sources')).sources;
      expect(source?.followSymlinks).toBe(true);

      const other = mkdtempSync(join(tmpdir(), 'loupe-links-api-'));
      writeFileSync(join(dir, 'outside.log'), line(5, 'outside'));
      symlinkSync(join(dir, 'outside.log'), join(other, 'o.log'));
      const added = await post(serve, { path: other, followSymlinks: true });
      expect([added.status, added.body.followSymlinks]).toEqual([201, true]);
      await waitFor(async () => ((await messages(serve)).includes('outside') ? true : undefined));
    } finally {
      await serve.stop();
    }
  });
});
