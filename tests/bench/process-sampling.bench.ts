// What the host job's process sampling costs (Linux): 50 live processes, each holding its own
// watched log file open for writing (`sleep` with the file as its stdout), found by the /proc walk
// and then sampled from /proc/<pid> and stored, against the host sample alone as the ceiling. The
// walk runs at most every 5 minutes (or when the watched files change); the sample every minute.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../electron/engine/core/database.js';
import { EventBus } from '../../electron/engine/core/events.js';
import { liveHost, sampleHost } from '../../electron/engine/signals/metrics/host/host-metrics.js';
import { liveProcFs } from '../../electron/engine/signals/metrics/host/process-metrics.js';
import { findWriters, ProcessSampler } from '../../electron/engine/signals/metrics/host/process-sampler.js';
import { PointsSink } from '../../electron/engine/signals/metrics/points-sink.js';
import { percentile, timeIt, type BenchRow } from './bench-row.js';

const PROCESSES = 50;

export async function benchProcessSampling(): Promise<BenchRow[]> {
  if (process.platform !== 'linux') return [];
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-proc-'));
  const children: ChildProcess[] = [];
  const db = openDatabase(join(dir, 'proc.db'));
  try {
    const files = Array.from({ length: PROCESSES }, (_, i) => ({ fileId: i + 1, path: join(dir, `svc-${i}.log`) }));
    for (const f of files) {
      const out = openSync(f.path, 'a');
      const child = spawn('sleep', ['3600'], { stdio: ['ignore', out, 'ignore'] });
      closeSync(out);
      children.push(child);
      await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    }
    const walk = timeIt(5, () => findWriters(liveProcFs, files, process.pid));
    const found = findWriters(liveProcFs, files, process.pid);
    if (found.size !== PROCESSES) throw new Error(`benchProcessSampling: the walk found ${found.size} of ${PROCESSES} writers`);

    const sink = new PointsSink(db, new EventBus());
    const sampler = new ProcessSampler({
      fs: liveProcFs,
      watchedFiles: () => files,
      namingResources: () => [],
      hostName: 'bench',
      selfPid: process.pid,
    });
    let nowUs = Date.now() * 1000;
    sink.writeGroups(sampler.sample(nowUs)); // the first sample walks /proc: what follows is the minute's sample
    const read = timeIt(20, () => sampler.sample((nowUs += 60_000_000)));
    const readAndStore = timeIt(20, () => sink.writeGroups(sampler.sample((nowUs += 60_000_000))));
    // The least a reading of them can cost: the same files read, nothing parsed.
    const pids = [...found.keys()];
    const rawReads = timeIt(20, () =>
      pids.forEach((pid) => {
        for (const f of ['stat', 'status', 'cmdline']) liveProcFs.read(`/proc/${pid}/${f}`);
        liveProcFs.list(`/proc/${pid}/fd`);
        liveProcFs.link(`/proc/${pid}/exe`);
      }),
    );
    const host = timeIt(20, () => sampleHost(liveHost, (nowUs += 60_000_000)));
    const ms = (t: number[]): string => `${percentile(t, 50).toFixed(1)} ms`;
    return [
      {
        what: `Process sampling: ${PROCESSES} processes writing watched files, read from /proc (5 files each) and parsed, once a minute`,
        value: `p50 ${ms(read)}; + storing their 7 series each ${ms(readAndStore)} (the host sample alone ${ms(host)})`,
        ceiling: `${ms(rawReads)} reading the same files, nothing parsed`,
        ratio: (percentile(rawReads, 50) / percentile(read, 50)).toFixed(2),
        target: 'report',
      },
      {
        what: `Process sampling: the /proc walk for the writers of ${PROCESSES} watched files (at most every 5 min)`,
        value: `p50 ${ms(walk)}`,
        target: 'report',
      },
    ];
  } finally {
    for (const c of children) c.kill('SIGKILL');
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
