// The SLO file (slos.yml in the data dir, or one given with `loupe serve --slos FILE`): YAML a user
// edits by hand, read into SloSpecs with every mistake pointed at by line:column; saving from the
// API rewrites only that SLO's entry. Also OpenSLO v1 (`apiVersion: openslo/v1`, `kind: SLO`) read
// into SloSpecs and written from them, so SLOs travel to and from other tools.
import { isMap, parseAllDocuments, parseDocument, stringify, YAMLSeq } from 'yaml';
import { parseYamlWithPositions, type YamlPath as Path } from '../core/yaml-positions.js';
import type { SloFileError, SloSpec, SliSpec } from '../../../shared/slo.js';
import { parseDuration as promDurationMs } from '../signals/metrics/promql/parse.js';
import { parseExpr } from '../signals/metrics/promql/index.js';
import { DURATION_BOUNDS_MS } from '../signals/metrics/red/span-metrics.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const SLI_KINDS = ['ratio', 'availability', 'latency', 'probe', 'logs'] as const;
/** The low-traffic guard's default: a burn-rate condition needs this many events in its long window. */
export const DEFAULT_MIN_EVENTS = 10;
/** The calendar month window. */
export const MONTH = 'month';

/** Sloth's sloth_id: the service and the SLO's name. */
export const sloId = (s: Pick<SloSpec, 'service' | 'name'>): string => `${s.service}-${s.name}`;

/** The window's length in ms (a calendar month: null, its length depends on the month). */
export function windowMs(window: string): number | null {
  if (window === MONTH) return null;
  return promDurationMs(window) ?? null;
}

/** A latency threshold in ms, when it is one of the RED histogram's bucket bounds. */
export function latencyBoundMs(threshold: string): number | undefined {
  const ms = promDurationMs(threshold);
  return ms !== undefined && DURATION_BOUNDS_MS.includes(ms) ? ms : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A PromQL query of a ratio SLI, checked with `{{.window}}` filled in. */
function promqlProblem(query: string): string | null {
  try {
    parseExpr(query.replaceAll('{{.window}}', '5m'));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** What an SLO's fields say, checked; `fail` is told each mistake with the path to its node. */
export function sloFromObject(raw: unknown, fail: (path: Path, message: string) => void, at: Path = []): SloSpec | null {
  let mistakes = 0;
  const bad = (path: Path, message: string): void => {
    mistakes++;
    fail([...at, ...path], message);
  };
  if (!isObject(raw)) {
    bad([], 'an SLO is a mapping (name:, service:, sli:, objective:, window:)');
    return null;
  }
  const known = new Set(['name', 'service', 'description', 'sli', 'objective', 'sla', 'window', 'budgeting', 'timeSlice', 'alerting']);
  for (const key of Object.keys(raw)) if (!known.has(key)) bad([key], `unknown field "${key}"`);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name))
    bad(['name'], 'name: letters, digits, _ . - (up to 100), starting with a letter or digit');
  if (typeof raw.service !== 'string' || !NAME.test(raw.service))
    bad(['service'], 'service: the name of the service (letters, digits, _ . -)');
  const percent = (key: string, v: unknown): boolean => typeof v === 'number' && v > 0 && v < 100 && !!key;
  if (!percent('objective', raw.objective)) bad(['objective'], 'objective: a percent above 0 and below 100, such as 99.9');
  if (raw.sla !== undefined) {
    if (!percent('sla', raw.sla)) bad(['sla'], 'sla: a percent above 0 and below 100');
    else if (typeof raw.objective === 'number' && (raw.sla as number) > raw.objective)
      bad(['sla'], 'sla: at most the objective (the SLA is the weaker promise)');
  }
  const window = raw.window ?? '28d';
  const wMs = typeof window === 'string' ? windowMs(window) : null;
  if (typeof window !== 'string' || (window !== MONTH && !(wMs !== null && wMs >= 60_000)))
    bad(['window'], 'window: a duration of at least 1m (1h, 1d, 7d, 28d, 30d) or month');
  const budgeting = raw.budgeting ?? 'occurrences';
  if (budgeting !== 'occurrences' && budgeting !== 'timeslices') bad(['budgeting'], 'budgeting: occurrences or timeslices');
  if (budgeting === 'timeslices') {
    const ts = raw.timeSlice;
    if (!isObject(ts)) bad(['timeSlice'], 'timeSlice: { window: 1m, target: 95 } (timeslices budgeting needs one)');
    else {
      const sw = typeof ts.window === 'string' ? promDurationMs(ts.window) : undefined;
      if (sw === undefined || sw < 1000) bad(['timeSlice', 'window'], 'timeSlice.window: a duration of at least 1s, such as 1m');
      else if (wMs !== null && sw > wMs) bad(['timeSlice', 'window'], 'timeSlice.window: shorter than the SLO window');
      if (!(typeof ts.target === 'number' && ts.target > 0 && ts.target <= 100))
        bad(['timeSlice', 'target'], 'timeSlice.target: a percent, such as 95');
    }
  } else if (raw.timeSlice !== undefined) bad(['timeSlice'], 'timeSlice: only with budgeting: timeslices');
  if (raw.description !== undefined && typeof raw.description !== 'string') bad(['description'], 'description: text');
  checkSli(raw.sli, (path, message) => bad(['sli', ...path], message));
  const alerting = raw.alerting;
  if (alerting !== undefined) {
    if (!isObject(alerting)) bad(['alerting'], 'alerting: { enabled, name, minEvents, labels }');
    else {
      for (const key of Object.keys(alerting))
        if (!['enabled', 'name', 'minEvents', 'labels'].includes(key)) bad(['alerting', key], `unknown field "${key}"`);
      if (alerting.enabled !== undefined && typeof alerting.enabled !== 'boolean') bad(['alerting', 'enabled'], 'enabled: true or false');
      if (alerting.name !== undefined && (typeof alerting.name !== 'string' || !/^[A-Za-z_:][A-Za-z0-9_:]*$/.test(alerting.name)))
        bad(['alerting', 'name'], 'name: an alert name (letters, digits, _ and :, not starting with a digit)');
      const min = alerting.minEvents;
      if (min !== undefined && !(typeof min === 'number' && Number.isInteger(min) && min >= 0))
        bad(['alerting', 'minEvents'], 'minEvents: a whole number, 0 or more');
      if (
        alerting.labels !== undefined &&
        (!isObject(alerting.labels) || Object.values(alerting.labels).some((v) => typeof v !== 'string'))
      )
        bad(['alerting', 'labels'], 'labels: a mapping of label names to text');
    }
  }
  if (mistakes > 0) return null;
  const spec: SloSpec = {
    name: raw.name as string,
    service: raw.service as string,
    ...(raw.description !== undefined ? { description: raw.description as string } : {}),
    sli: raw.sli as SliSpec,
    objective: raw.objective as number,
    ...(raw.sla !== undefined ? { sla: raw.sla as number } : {}),
    window: window as string,
    budgeting: budgeting as SloSpec['budgeting'],
    ...(raw.timeSlice !== undefined ? { timeSlice: raw.timeSlice as NonNullable<SloSpec['timeSlice']> } : {}),
    ...(alerting !== undefined ? { alerting: alerting as NonNullable<SloSpec['alerting']> } : {}),
  };
  return spec;
}

function checkSli(raw: unknown, bad: (path: Path, message: string) => void): void {
  if (!isObject(raw)) return bad([], `sli: one of ${SLI_KINDS.join(', ')}`);
  const kinds = Object.keys(raw);
  if (kinds.length !== 1 || !SLI_KINDS.includes(kinds[0] as (typeof SLI_KINDS)[number]))
    return bad([], `sli: exactly one of ${SLI_KINDS.join(', ')}${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`);
  const kind = kinds[0] as (typeof SLI_KINDS)[number];
  const body = raw[kind] ?? {};
  if (!isObject(body)) return bad([kind], `${kind}: a mapping`);
  const only = (allowed: string[]): void => {
    for (const key of Object.keys(body)) if (!allowed.includes(key)) bad([kind, key], `${kind}: unknown field "${key}"`);
  };
  const text = (key: string, need: boolean): void => {
    if (body[key] === undefined ? need : typeof body[key] !== 'string' || body[key] === '')
      bad([kind, key], `${kind}.${key}: text${need ? ' (required)' : ''}`);
  };
  switch (kind) {
    case 'ratio':
    case 'logs': {
      only(['good', 'bad', 'total']);
      if ((body.good === undefined) === (body.bad === undefined)) bad([kind], `${kind}: good or bad (one of them), and total`);
      text('good', false);
      text('bad', false);
      text('total', true);
      if (kind === 'ratio')
        for (const key of ['good', 'bad', 'total']) {
          const q = body[key];
          const problem = typeof q === 'string' ? promqlProblem(q) : null;
          if (problem) bad([kind, key], `${kind}.${key}: ${problem}`);
        }
      return;
    }
    case 'availability':
      only(['spanName']);
      text('spanName', false);
      return;
    case 'latency':
      only(['threshold', 'spanName']);
      text('spanName', false);
      if (typeof body.threshold !== 'string' || latencyBoundMs(body.threshold) === undefined)
        bad(
          [kind, 'threshold'],
          `latency.threshold: one of the span duration buckets: ${DURATION_BOUNDS_MS.map((b) => `${b}ms`).join(', ')}`,
        );
      return;
    case 'probe':
      only(['name']);
      text('name', true);
      return;
  }
}

export interface SlosFileRead {
  slos: SloSpec[];
  errors: SloFileError[];
}

/** Read an SLO file's text: the SLOs without mistakes, and every mistake by line:column. */
export function readSlosFile(text: string, file: string): SlosFileRead {
  const { doc, syntaxError, positionOf } = parseYamlWithPositions(text, { prettyErrors: true });
  if (syntaxError) return { slos: [], errors: [{ file, line: syntaxError.line, column: syntaxError.col, message: syntaxError.message }] };
  const errors: SloFileError[] = [];
  const fail = (path: Path, message: string): void => {
    const p = positionOf(path);
    errors.push({ file, line: p.line, column: p.col, message });
  };
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return { slos: [], errors };
  if (!isObject(root) || (root.slos !== undefined && !Array.isArray(root.slos))) {
    fail([], 'the file is a mapping with a list named slos:');
    return { slos: [], errors };
  }
  for (const key of Object.keys(root)) if (key !== 'slos') fail([key], `unknown field "${key}" (the file holds slos:)`);
  const slos: SloSpec[] = [];
  const seen = new Set<string>();
  ((root.slos as unknown[] | undefined) ?? []).forEach((raw, i) => {
    const spec = sloFromObject(raw, fail, ['slos', i]);
    if (!spec) return;
    if (seen.has(sloId(spec))) return fail(['slos', i, 'name'], `a second SLO named "${spec.name}" for service "${spec.service}"`);
    seen.add(sloId(spec));
    slos.push(spec);
  });
  return { slos, errors };
}

/** The SLO as the file writes it (defaults left out). */
function sloToObject(spec: SloSpec): Record<string, unknown> {
  const { budgeting, window, ...rest } = spec;
  return { ...rest, window, ...(budgeting !== 'occurrences' ? { budgeting } : {}) };
}

/**
 * The file's text with `save` written (in place of the SLO whose id is `replaces`, or of its own
 * id, or added at the end), or with the SLO of id `remove` gone. The rest of the text is kept.
 */
export function editSlosFile(text: string, change: { save: SloSpec; replaces?: string } | { remove: string }): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the SLO file has a mistake to fix first: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (doc.contents === null) doc.contents = doc.createNode({ slos: [] }) as never;
  let list = doc.get('slos');
  if (!(list instanceof YAMLSeq)) {
    doc.set('slos', doc.createNode([]));
    list = doc.get('slos');
  }
  const seq = list as YAMLSeq;
  const indexOf = (id: string): number =>
    seq.items.findIndex((item) => isMap(item) && `${String(item.get('service'))}-${String(item.get('name'))}` === id);
  if ('remove' in change) {
    const i = indexOf(change.remove);
    if (i < 0) throw new Error(`no SLO "${change.remove}" in the file`);
    seq.items.splice(i, 1);
  } else {
    const node = doc.createNode(sloToObject(change.save));
    const i = indexOf(change.replaces ?? sloId(change.save));
    if (i < 0) seq.items.push(node);
    else seq.items[i] = node;
  }
  return doc.toString();
}

// ---- OpenSLO v1 ----

/** OpenSLO's duration (`28d`, `2w`, `1M` a month, `1h`) → ours. */
function fromOpenSloDuration(d: string, rolling: boolean): string | null {
  const m = /^(\d+)([mhdwMQY])$/.exec(d);
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] === 'M' && n === 1 && !rolling) return MONTH;
  if (m[2] === 'w') return `${n * 7}d`;
  if (m[2] === 'm' || m[2] === 'h' || m[2] === 'd') return `${n}${m[2]}`;
  return null;
}

/** A ratioMetric side (`{ metricSource: { type: Prometheus, spec: { query } } }`) → its query. */
function promQuery(side: unknown, path: Path, bad: (path: Path, message: string) => void): string | undefined {
  if (side === undefined) return undefined;
  const source = isObject(side) ? side.metricSource : undefined;
  const type = isObject(source) ? source.type : undefined;
  const spec = isObject(source) ? source.spec : undefined;
  const query = isObject(spec) ? spec.query : undefined;
  if (typeof type !== 'string' || type.toLowerCase() !== 'prometheus') {
    bad([...path, 'metricSource', 'type'], `metricSource.type: only Prometheus is read (found ${JSON.stringify(type)})`);
    return undefined;
  }
  if (typeof query !== 'string' || query === '') {
    bad([...path, 'metricSource', 'spec', 'query'], 'metricSource.spec.query: a PromQL query');
    return undefined;
  }
  return query.trim();
}

/** One OpenSLO `kind: SLO` object → our SLO, or the mistakes (paths within the object). */
export function sloFromOpenSlo(obj: unknown, bad: (path: Path, message: string) => void): SloSpec | null {
  let mistakes = 0;
  const fail = (path: Path, message: string): void => {
    mistakes++;
    bad(path, message);
  };
  if (!isObject(obj) || obj.apiVersion !== 'openslo/v1' || obj.kind !== 'SLO') {
    fail([], 'an OpenSLO v1 SLO: apiVersion: openslo/v1, kind: SLO');
    return null;
  }
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  const spec = isObject(obj.spec) ? obj.spec : {};
  const name = metadata.name;
  if (typeof name !== 'string') fail(['metadata', 'name'], 'metadata.name: the SLO name');
  if (typeof spec.service !== 'string') fail(['spec', 'service'], 'spec.service: the service name');
  // The indicator inline (`indicator: {metadata, spec}`), or v1's `indicatorRef` which needs the SLI object: not read.
  const indicator = isObject(spec.indicator) ? spec.indicator : undefined;
  const ratio = isObject(indicator?.spec) && isObject(indicator.spec.ratioMetric) ? indicator.spec.ratioMetric : undefined;
  let sli: SliSpec | null = null;
  if (!ratio) fail(['spec', 'indicator'], 'spec.indicator.spec.ratioMetric: only ratio metrics (good or bad, and total) are read');
  else {
    const at: Path = ['spec', 'indicator', 'spec', 'ratioMetric'];
    const good = promQuery(ratio.good, [...at, 'good'], fail);
    const badQ = promQuery(ratio.bad, [...at, 'bad'], fail);
    const total = promQuery(ratio.total, [...at, 'total'], fail);
    if (ratio.counter === false) fail([...at, 'counter'], 'counter: false (gauges of events) is not read; counters only');
    if ((good === undefined) === (badQ === undefined) || total === undefined) fail(at, 'ratioMetric: good or bad, and total');
    else sli = { ratio: { ...(good !== undefined ? { good } : { bad: badQ! }), total } };
  }
  const objectives = Array.isArray(spec.objectives) ? spec.objectives : [];
  const objective = objectives[0];
  const target = isObject(objective) ? objective.target : undefined;
  if (typeof target !== 'number' || !(target > 0 && target < 1))
    fail(['spec', 'objectives', 0, 'target'], 'objectives[0].target: a ratio such as 0.999');
  // No timeWindow (OpenSLO leaves it optional): our default window, 28 days rolling.
  const tw: unknown = Array.isArray(spec.timeWindow) ? spec.timeWindow[0] : spec.timeWindow === undefined ? { duration: '28d' } : undefined;
  const window = isObject(tw) && typeof tw.duration === 'string' ? fromOpenSloDuration(tw.duration, tw.isRolling !== false) : null;
  if (!window)
    fail(['spec', 'timeWindow', 0], 'timeWindow[0]: a rolling duration (28d, 2w, 1h) or a calendar month (duration: 1M, isRolling: false)');
  const method = String(spec.budgetingMethod ?? 'Occurrences');
  if (method !== 'Occurrences' && method !== 'Timeslices') fail(['spec', 'budgetingMethod'], 'budgetingMethod: Occurrences or Timeslices');
  let timeSlice: SloSpec['timeSlice'];
  if (method === 'Timeslices' && isObject(objective)) {
    const sw = objective.timeSliceWindow;
    const st = objective.timeSliceTarget;
    if (typeof sw !== 'string' || promDurationMs(sw) === undefined || typeof st !== 'number')
      fail(['spec', 'objectives', 0], 'Timeslices: timeSliceWindow (1m) and timeSliceTarget (0.95)');
    else timeSlice = { window: sw, target: round(st * 100) };
  }
  // An objective named SLA (OpenSLO's example of an SLA beside the internal objective) is our sla.
  const sla = objectives.slice(1).find((o) => isObject(o) && /sla/i.test(String(o.displayName ?? o.name ?? '')));
  if (mistakes > 0 || !sli) return null;
  return {
    name: name as string,
    service: spec.service as string,
    ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
    sli,
    objective: round((target as number) * 100),
    ...(isObject(sla) && typeof sla.target === 'number' ? { sla: round(sla.target * 100) } : {}),
    window: window!,
    budgeting: method === 'Timeslices' ? 'timeslices' : 'occurrences',
    ...(timeSlice ? { timeSlice } : {}),
  };
}

/** Percent from a ratio without float noise (0.999 × 100 = 99.9, not 99.90000000000001). */
const round = (x: number): number => Math.round(x * 1e9) / 1e9;

/** Every `kind: SLO` document of an OpenSLO file; other kinds are skipped (named in `skipped`). */
export function readOpenSlo(text: string): { slos: SloSpec[]; errors: string[]; skipped: string[] } {
  const slos: SloSpec[] = [];
  const errors: string[] = [];
  const skipped: string[] = [];
  for (const [i, doc] of parseAllDocuments(text, { prettyErrors: true }).entries()) {
    if (doc.errors.length > 0) {
      errors.push(`document ${i + 1}: ${doc.errors[0]!.message.split('\n')[0]}`);
      continue;
    }
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue;
    if (isObject(obj) && obj.kind !== 'SLO') {
      skipped.push(`${String(obj.kind)} ${String(isObject(obj.metadata) ? obj.metadata.name : '')}`.trim());
      continue;
    }
    const spec = sloFromOpenSlo(obj, (path, message) =>
      errors.push(`document ${i + 1}${path.length ? ` (${path.join('.')})` : ''}: ${message}`),
    );
    if (!spec) continue;
    const problems: string[] = [];
    sloFromObject(spec, (path, message) => problems.push(`${path.join('.')}: ${message}`));
    if (problems.length > 0) errors.push(...problems.map((p) => `document ${i + 1}: ${p}`));
    else slos.push(spec);
  }
  return { slos, errors, skipped };
}

/** Our SLI's good/bad/total as PromQL for OpenSLO (whose queries are counters, without a window). */
export type SliQueries = { good?: string; bad?: string; total: string };

/** The SLOs as OpenSLO v1 documents (`---` between them). `queries` gives each SLI's PromQL. */
export function writeOpenSlo(slos: readonly SloSpec[], queries: (s: SloSpec) => SliQueries | null): string {
  const side = (query: string): unknown => ({ metricSource: { type: 'Prometheus', spec: { query } } });
  const docs = slos.map((s) => {
    const q = queries(s);
    const rolling = s.window !== MONTH;
    const objective: Record<string, unknown> = { displayName: s.name, target: round(s.objective / 100) };
    if (s.budgeting === 'timeslices' && s.timeSlice) {
      objective.timeSliceTarget = round(s.timeSlice.target / 100);
      objective.timeSliceWindow = s.timeSlice.window;
    }
    const objectives = [objective, ...(s.sla !== undefined ? [{ displayName: 'SLA', target: round(s.sla / 100) }] : [])];
    return {
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: s.name },
      spec: {
        ...(s.description ? { description: s.description } : {}),
        service: s.service,
        indicator: {
          metadata: { name: `${s.name}-sli` },
          spec: {
            ratioMetric: q
              ? { counter: true, ...(q.good ? { good: side(q.good) } : { bad: side(q.bad ?? '') }), total: side(q.total) }
              : {
                  counter: true,
                  good: { metricSource: { type: 'Loupe', spec: { sli: s.sli } } },
                  total: { metricSource: { type: 'Loupe', spec: {} } },
                },
          },
        },
        timeWindow: [
          rolling
            ? { duration: s.window, isRolling: true }
            : { duration: '1M', isRolling: false, calendar: { startTime: '2020-01-01 00:00:00', timeZone: 'UTC' } },
        ],
        budgetingMethod: s.budgeting === 'timeslices' ? 'Timeslices' : 'Occurrences',
        objectives,
      },
    };
  });
  return docs.map((d) => stringify(d)).join('---\n');
}
