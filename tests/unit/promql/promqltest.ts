// A runner for Prometheus's PromQL test-file format (promql/testdata/*.test in the Prometheus
// repository): `load <interval>` with series in expanding notation (`0+10x10`, `_`, `_x3`, `stale`),
// `eval[_fail|_ordered] instant at <duration> <expr>` with expected samples, and `clear`. As in
// Prometheus's runner, each instant eval is also run as a range query around that instant.
import {
  instantQuery,
  MemorySeriesStore,
  rangeQuery,
  STALE_NAN,
  type Labels,
  type QueryResult,
} from '../../../electron/engine/signals/metrics/promql/index.js';
import { parseDuration, parseNumber, unquote } from '../../../electron/engine/signals/metrics/promql/parse.js';
import { labelsKey } from '../../../electron/engine/signals/metrics/promql/storage.js';

export interface EvalCase {
  readonly line: number;
  readonly expr: string;
  readonly atMs: number;
  readonly fail: boolean;
  readonly ordered: boolean;
  readonly expected: { labels: Labels | undefined; value: number }[];
}

type Loaded = number | 'stale' | undefined;
export type Command =
  { kind: 'clear' } | { kind: 'load'; intervalMs: number; series: { labels: Labels; values: Loaded[] }[] } | { kind: 'eval'; c: EvalCase };

/** `metric{a="b"} rest…` → labels and the rest of the line. */
function parseSeriesDesc(line: string): { labels: Labels; rest: string } {
  const labels: Labels = {};
  const m = /^([A-Za-z_:][A-Za-z0-9_:]*)?\s*/.exec(line)!;
  if (m[1]) labels.__name__ = m[1];
  let i = m[0].length;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const name = /^[A-Za-z_][A-Za-z0-9_]*|^"(?:[^"\\]|\\.)*"/.exec(line.slice(i));
      if (!name) throw new Error(`bad label name in ${line}`);
      i += name[0].length;
      while (line[i] === ' ') i++;
      if (line[i] !== '=') throw new Error(`expected = in ${line}`);
      i++;
      while (line[i] === ' ') i++;
      const value = /^"(?:[^"\\]|\\.)*"|^'(?:[^'\\]|\\.)*'/.exec(line.slice(i));
      if (!value) throw new Error(`bad label value in ${line}`);
      i += value[0].length;
      const pos = { start: 0, end: 0 };
      labels[name[0].startsWith('"') ? unquote(name[0], pos) : name[0]] = unquote(value[0], pos);
    }
  }
  return { labels, rest: line.slice(i).trim() };
}

// 'stale' stays a string until it is stored: a JS array of numbers may rewrite NaN payloads.
function num(text: string): number {
  const v = parseNumber(text);
  if (v === undefined) throw new Error(`bad number ${text}`);
  return v;
}

/** Expands `1+2x3` → 1 3 5 7, `_x2` → two gaps, `5x2` → 5 5 5. */
function expandValues(text: string): Loaded[] {
  const out: Loaded[] = [];
  for (const item of text.split(/\s+/).filter(Boolean)) {
    const blank = /^_(?:x(\d+))?$/.exec(item);
    if (blank) {
      for (let i = 0; i < (blank[1] ? Number(blank[1]) : 1); i++) out.push(undefined);
      continue;
    }
    const seq = /^([+-]?[^+x-]+|[+-]?Inf|stale)(?:([+-][^x]+))?x(\d+)$/.exec(item);
    if (seq) {
      let v = num(seq[1]!);
      const inc = seq[2] ? num(seq[2]) : 0;
      for (let i = 0; i <= Number(seq[3]); i++) {
        out.push(v);
        v += inc;
      }
      continue;
    }
    out.push(item === 'stale' ? 'stale' : num(item));
  }
  return out;
}

export function parseTestFile(text: string): Command[] {
  const lines = text.split('\n').map((l) => (l.trim().startsWith('#') ? '' : l.trim()));
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (line === 'clear') {
      cmds.push({ kind: 'clear' });
      continue;
    }
    const load = /^load\s+(\S+)$/.exec(line);
    if (load) {
      const series: { labels: Labels; values: Loaded[] }[] = [];
      while (lines[i + 1]) {
        const { labels, rest } = parseSeriesDesc(lines[++i]!);
        series.push({ labels, values: expandValues(rest) });
      }
      cmds.push({ kind: 'load', intervalMs: parseDuration(load[1]!)!, series });
      continue;
    }
    const ev = /^eval(?:_(fail|ordered))?\s+instant\s+(?:at\s+(\S+?))?\s+(.+)$/.exec(line);
    if (!ev) throw new Error(`line ${i + 1}: unknown command ${line}`);
    const c: EvalCase = {
      line: i + 1,
      expr: ev[3]!,
      atMs: parseDuration(ev[2] ?? '0s') ?? 0,
      fail: ev[1] === 'fail',
      ordered: ev[1] === 'ordered',
      expected: [],
    };
    while (lines[i + 1]) {
      const def = lines[++i]!;
      const scalar = parseNumber(def);
      if (scalar !== undefined && !/[{}]/.test(def)) {
        c.expected.push({ labels: undefined, value: scalar });
        break;
      }
      const { labels, rest } = parseSeriesDesc(def);
      const vals = expandValues(rest);
      const value = vals[0];
      c.expected.push({ labels, value: typeof value === 'number' ? value : NaN });
    }
    cmds.push({ kind: 'eval', c });
  }
  return cmds;
}

function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  const minNormal = 2.2250738585072014e-308;
  if (a === 0 || b === 0 || diff < minNormal) return diff < 1e-6 * minNormal;
  return diff / (Math.abs(a) + Math.abs(b)) < 1e-6;
}

type Got = { labels: Labels; value: number }[] | { scalar: number };

function compare(c: EvalCase, got: Got): string | undefined {
  if ('scalar' in got) {
    const exp = c.expected[0];
    if (!exp || exp.labels !== undefined) return `got scalar ${got.scalar}, expected a vector`;
    return almostEqual(exp.value, got.scalar) ? undefined : `expected scalar ${exp.value}, got ${got.scalar}`;
  }
  const expected = new Map(c.expected.map((e, pos) => [labelsKey(e.labels ?? {}), { ...e, pos }]));
  const seen = new Set<string>();
  for (const [pos, s] of got.entries()) {
    const key = labelsKey(s.labels);
    const exp = expected.get(key);
    if (!exp) return `unexpected series ${JSON.stringify(s.labels)} = ${s.value}`;
    if (c.ordered && exp.pos !== pos) return `series ${JSON.stringify(s.labels)} at position ${pos}, expected ${exp.pos}`;
    if (!almostEqual(exp.value, s.value)) return `expected ${exp.value} for ${JSON.stringify(s.labels)}, got ${s.value}`;
    seen.add(key);
  }
  for (const [key, e] of expected) if (!seen.has(key)) return `expected series ${JSON.stringify(e.labels)} = ${e.value} not found`;
  return undefined;
}

function toGot(r: QueryResult): Got {
  if (r.resultType === 'scalar') return { scalar: r.value };
  if (r.resultType === 'vector') return r.samples.map((s) => ({ labels: s.metric, value: s.v }));
  throw new Error(`unexpected ${r.resultType} result`);
}

/** Runs one eval case; returns why it failed, or undefined when it passed. */
export function runEval(store: MemorySeriesStore, c: EvalCase): string | undefined {
  let result: QueryResult;
  try {
    result = instantQuery(store, c.expr, c.atMs);
  } catch (e) {
    return c.fail ? undefined : `error: ${(e as Error).message}`;
  }
  if (c.fail) return 'expected an error, got none';
  const got = toGot(result);
  const instantFailure = compare(c, got);
  if (instantFailure) return instantFailure;
  if (c.ordered) return undefined;
  // Range mode: the same expression over [t-1m, t+1m] step 1m must give the same values at t.
  let range: QueryResult;
  try {
    range = rangeQuery(store, c.expr, c.atMs - 60_000, c.atMs + 60_000, 60_000);
  } catch (e) {
    return `range mode error: ${(e as Error).message}`;
  }
  if (range.resultType !== 'matrix') return 'range mode: not a matrix';
  const atT = range.series.flatMap((s) => s.points.filter((p) => p.t === c.atMs).map((p) => ({ labels: s.metric, value: p.v })));
  const rangeGot: Got = 'scalar' in got ? { scalar: atT[0]?.value ?? NaN } : atT;
  const rangeFailure = compare(c, rangeGot);
  return rangeFailure ? `range mode: ${rangeFailure}` : undefined;
}

export interface FileOutcome {
  passed: number;
  failures: { line: number; expr: string; why: string }[];
}

export function runTestFile(text: string, skip: ReadonlySet<number>): FileOutcome & { skippedButPassing: number[] } {
  const store = new MemorySeriesStore();
  const out = { passed: 0, failures: [] as FileOutcome['failures'], skippedButPassing: [] as number[] };
  for (const cmd of parseTestFile(text)) {
    if (cmd.kind === 'clear') store.clear();
    else if (cmd.kind === 'load') {
      // A series listed twice in one load: the later line's values win (Prometheus's tests rely on it).
      const merged = new Map<string, { labels: Labels; values: Loaded[] }>();
      for (const s of cmd.series) {
        const prev = merged.get(labelsKey(s.labels));
        if (!prev) merged.set(labelsKey(s.labels), { labels: s.labels, values: [...s.values] });
        else s.values.forEach((v, i) => v !== undefined && (prev.values[i] = v));
      }
      for (const s of merged.values()) {
        s.values.forEach((v, i) => v !== undefined && store.append(s.labels, i * cmd.intervalMs, v === 'stale' ? STALE_NAN : v));
      }
    } else {
      const why = runEval(store, cmd.c);
      if (skip.has(cmd.c.line)) {
        if (!why) out.skippedButPassing.push(cmd.c.line);
      } else if (why) out.failures.push({ line: cmd.c.line, expr: cmd.c.expr, why });
      else out.passed++;
    }
  }
  return out;
}
