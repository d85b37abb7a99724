// Pattern mining alone (the Drain miner over the ingest bench's messages, in memory) and its
// grouping accuracy on the labelled sample (tests/fixtures/patterns/labelled.tsv, Loghub's metric).
// Its cost inside ingest is the ingest part's with/without row (run.ts).
import { performance } from 'node:perf_hooks';
import { Drain, type Template } from '../../electron/engine/analysis/patterns/drain.js';
import { groupingAccuracy, labelledSample } from '../support/grouping-accuracy.js';
import type { BenchRow } from './bench-row.js';

export function benchPatterns(n: number, message: (i: number) => string): BenchRow[] {
  const messages: string[] = [];
  for (let i = 0; i < n; i++) messages.push(message(i));
  let id = 1;
  const drain = new Drain<Template>(5000, (tokens) => ({ id: id++, tokens }));
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const m of messages) drain.mine(m);
  const seconds = (performance.now() - t0) / 1000;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1024 ** 2;
  const lines = labelledSample();
  let lid = 1;
  const labelled = new Drain<Template>(5000, (tokens) => ({ id: lid++, tokens }));
  const accuracy = groupingAccuracy(
    lines.map((l) => l.event),
    lines.map((l) => labelled.mine(l.message)!.template.id),
  );
  return [
    {
      what: `Drain mining alone, ${n.toLocaleString('en')} messages`,
      value: `${Math.round(n / seconds).toLocaleString('en')} lines/s, ${drain.size} templates, heap +${heapMb.toFixed(0)} MB`,
      target: 'report',
    },
    {
      what: `pattern grouping accuracy, labelled sample (${lines.length} lines, ${new Set(lines.map((l) => l.event)).size} events)`,
      value: accuracy.toFixed(3),
      target: '≥ 0.95',
      ok: accuracy >= 0.95,
    },
  ];
}
