// One process's saturation read from copies of a real Python process's /proc files
// (tests/fixtures/proc/13057: a worker that renamed itself "w (q) 1", burnt CPU, held 50 MiB and
// ran 4 threads), as the Collector's process scraper reports it; and the /proc walk that finds
// the process writing a watched file (its fdinfo flags copied from a logging.FileHandler's
// descriptor and from a plain open() for reading).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bootTimeUs,
  processMetrics,
  processResource,
  readProcess,
  type ProcFs,
} from '../../../electron/engine/signals/metrics/host/process-metrics.js';
import { findWriters } from '../../../electron/engine/signals/metrics/host/process-sampler.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const fromFixtures = (path: string): string => join(FIXTURES, path.replace(/^\//, ''));
/** The fixture's fd 3 is the log file it writes, fd 10 the same file opened for reading. */
const LINKS: Record<string, string> = {
  '/proc/13057/exe': '/usr/bin/python3.11',
  '/proc/13057/fd/3': '/var/log/app.log',
  '/proc/13057/fd/10': '/var/log/app.log',
};
const fs: ProcFs = {
  read: (path) => readFileSync(fromFixtures(path), 'utf8'),
  list: (path) => readdirSync(fromFixtures(path)),
  link: (path) => {
    const target = LINKS[path];
    if (target === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return target;
  },
  realpath: (path) => path,
};
const BOOT_US = bootTimeUs(fs.read('/proc/stat'))!;
const NOW = 1_800_000_000_000_000;

describe('a process read from /proc', () => {
  const p = readProcess(fs, 13057, BOOT_US)!;

  it('parses stat, status and cmdline, a name with spaces and parentheses included', () => {
    expect(p).toMatchObject({
      pid: 13057,
      parentPid: 13053,
      name: 'w (q) 1',
      executablePath: '/usr/bin/python3.11',
      args: ['/usr/bin/python3', 'worker.py', '--queue', 'sms', '/tmp/pf/out'],
      cpuSeconds: { user: 0.4, system: 0.02, wait: 0 },
      rssBytes: 60224 * 1024,
      virtualBytes: 286524 * 1024,
      threads: 4,
      openFiles: 6,
    });
    // Started 1128322 ticks (1/100 s) after boot.
    expect(p.startUs).toBe(BOOT_US + 11_283_220_000);
  });

  it('is gone (null) when its files are', () => {
    expect(readProcess(fs, 99999, BOOT_US)).toBeNull();
  });

  it('gives the process scraper metrics, labelled with the pid and name, counting CPU from the process start', () => {
    const metrics = processMetrics(p, NOW);
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual([
      'process.cpu.time',
      'process.memory.usage',
      'process.memory.virtual',
      'process.open_file_descriptors',
      'process.threads',
    ]);
    expect(byName['process.cpu.time']).toMatchObject({ unit: 's', type: 'sum', monotonic: true, temporality: 2 });
    expect(byName['process.cpu.time']!.points.map((pt) => [pt.attributes.state, pt.value, pt.startUs])).toEqual([
      ['user', 0.4, p.startUs],
      ['system', 0.02, p.startUs],
      ['wait', 0, p.startUs],
    ]);
    expect(byName['process.memory.usage']).toMatchObject({ unit: 'By', type: 'sum', monotonic: false });
    expect(byName['process.memory.usage']!.points[0]).toMatchObject({
      intValue: 60224 * 1024,
      attributes: { 'process.pid': 13057, 'process.executable.name': 'w (q) 1' },
    });
    expect(byName['process.threads']!.points[0]!.intValue).toBe(4);
    expect(byName['process.open_file_descriptors']!.points[0]!.intValue).toBe(6);
  });

  it('has the receiver resource attributes, and the service Loupe knows', () => {
    expect(processResource(p, { service: 'mailer', logFile: '/var/log/app.log' }, 'laptop').attributes).toEqual({
      'process.pid': 13057,
      'process.parent_pid': 13053,
      'process.executable.name': 'w (q) 1',
      'process.executable.path': '/usr/bin/python3.11',
      'process.command': '/usr/bin/python3',
      'process.command_line': '/usr/bin/python3 worker.py --queue sms /tmp/pf/out',
      'service.name': 'mailer',
      'log.file.path': '/var/log/app.log',
      'host.name': 'laptop',
    });
  });
});

describe('the writers of watched files', () => {
  const walkable: ProcFs = { ...fs, list: (path) => (path === '/proc' ? ['13057', 'self', 'stat'] : fs.list(path)) };
  const file = { fileId: 7, path: '/var/log/app.log' };

  it('finds the process whose descriptor was opened for writing', () => {
    expect([...findWriters(walkable, [file], 1)]).toEqual([[13057, [file]]]);
  });

  it('leaves out Loupe itself, and files nobody writes', () => {
    expect(findWriters(walkable, [file], 13057).size).toBe(0);
    expect(findWriters(walkable, [{ fileId: 8, path: '/var/log/other.log' }], 1).size).toBe(0);
  });

  it('leaves out a process that only reads the file (a tail -f)', () => {
    const readerOnly: ProcFs = { ...walkable, list: (path) => (path.endsWith('/fd') ? ['10'] : walkable.list(path)) };
    expect(findWriters(readerOnly, [file], 1).size).toBe(0);
  });
});
