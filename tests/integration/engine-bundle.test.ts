// The engine's process runs from its bundle (out/engine, vite.engine.config.ts): `loupe serve` as a
// user starts it finds its threads' scripts beside the bundle, a crash's stack names the
// TypeScript, and nothing in the bundle loads Electron (the engine is plain Node).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, startServe, waitFor } from '../support/serve-process.js';
import { niceOf } from '../support/proc-stat.js';

const BUNDLE = join(ROOT, 'out', 'engine');
let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-bundle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bundle's JavaScript files and their text. */
function bundleFiles(): { name: string; text: string }[] {
  return readdirSync(BUNDLE)
    .filter((f) => f.endsWith('.js'))
    .map((name) => ({ name, text: readFileSync(join(BUNDLE, name), 'utf8') }));
}

/** The nice value of each thread of a process. */
function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => niceOf(`/proc/${pid}/task/${tid}/stat`));
}

describe('the engine bundle', () => {
  it("holds every thread's script where the code that starts it looks, and no import of Electron", () => {
    const files = bundleFiles();
    const names = new Set(files.map((f) => f.name));
    const scripts: string[] = [];
    for (const { text } of files) {
      for (const m of text.matchAll(/new URL\(["']\.\/([^"']+)["'], import\.meta\.url\)/g)) scripts.push(m[1]!);
    }
    expect(scripts.sort()).toEqual(['fts-worker.js', 'parse-worker.js']);
    for (const script of scripts) expect(names.has(script), `${script} beside the bundle`).toBe(true);
    for (const { name, text } of files) {
      expect(text, name).not.toMatch(/(from\s*|import\s*\(\s*|require\s*\(\s*)["']electron(\/[^"']*)?["']/);
    }
  });

  it('names the TypeScript file and line in a stack trace from its code', () => {
    // The CLI's main given no arguments array fails on its first line (`const [command, ...rest] = argv`).
    const stack = execFileSync(
      process.execPath,
      [
        '--enable-source-maps',
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(join(BUNDLE, 'cli.js'))});
         await main(null).catch((err) => console.log(err.stack));`,
      ],
      { encoding: 'utf8' },
    );
    const cliTs = readFileSync(join(ROOT, 'electron', 'cli.ts'), 'utf8').split('\n');
    const line = cliTs.findIndex((l) => l.includes('const [command, ...rest] = argv')) + 1;
    expect(stack).toMatch(/TypeError/);
    expect(stack.split('\n')[1]).toContain(`${join(ROOT, 'electron', 'cli.ts')}:${line}:`);
  });

  it.runIf(process.platform === 'linux')('runs `loupe serve` with its full-text indexer in its own thread, from the bundle', async () => {
    const logs = join(dir, 'logs');
    execFileSync('mkdir', ['-p', logs]);
    const lines = Array.from(
      { length: 500 },
      (_, i) =>
        `2026-11-30 10:00:${String(i % 60).padStart(2, '0')},000 INFO app.main: request ${i} ${i === 321 ? 'hit a flamingo' : 'served'}`,
    );
    writeFileSync(join(logs, 'app.log'), lines.join('\n') + '\n');
    const serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
    try {
      const page = await waitFor(async () => {
        const p = await serve.get<{ records: { message: string }[] }>('/api/logs?q=flamingo&from=2026-11-30T00:00:00Z');
        return p.records.length > 0 ? p : undefined;
      });
      expect(page.records.map((r) => r.message)).toEqual(['request 321 hit a flamingo']);
      // The indexer's thread lowers its own priority (fts-worker.ts): one thread of the process
      // runs below the others only when the bundle's fts-worker.js was found and started.
      const nices = await waitFor(() => {
        const n = threadNices(serve.child.pid!);
        return n.some((v) => v > 0) ? n : undefined;
      });
      expect(nices.filter((v) => v > 0).length).toBe(1);
      expect(serve.output()).not.toMatch(/Error/);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
