// How an OTLP metric is named in PromQL: as Prometheus 3's own OTLP ingestion names it with
// `translation_strategy: NoUTF8EscapingWithSuffixes` — the OTel name kept as is (dots and all),
// then the unit as a word (`_seconds`, `_bytes`, `_per_second`), `_total` on a monotonic sum and
// `_ratio` on a gauge of unit "1". One difference: a suffix the name already ends with is not
// added twice (a scraped `x_total` stays `x_total`), as Prometheus's non-UTF-8 strategy does.
// Labels: the point's attributes (names kept), `job`/`instance` from the resource as Prometheus
// sets them, plus `service_name` (Loupe's addition, so a RED dashboard can split by service).
import type { AttrValue } from '../../core/telemetry.js';
import type { Labels } from './promql/index.js';

/** otlptranslator's unitMap: UCUM units to the words Prometheus appends. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

/** otlptranslator's perUnitMap: the `/s` of `By/s` → `_per_second`. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

export type OtlpMetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/** What the name depends on. */
export interface NamedMetric {
  name: string;
  type: OtlpMetricType;
  unit: string | null;
  monotonic: boolean;
}

/** The unit as Prometheus words: `ms` → `milliseconds`, `By/s` → `bytes_per_second`, `{request}` → nothing. */
export function unitWords(unit: string | null): string[] {
  if (!unit) return [];
  // `{packets}` and `{request}/s`: annotations say what is counted, they are no unit.
  const plain = unit.replace(/\{[^}]*\}/g, '').trim();
  if (plain === '') return [];
  const slash = plain.indexOf('/');
  const main = slash < 0 ? plain : plain.slice(0, slash).trim();
  const per = slash < 0 ? '' : plain.slice(slash + 1).trim();
  const words: string[] = [];
  const mainWord = UNIT_WORDS[main] ?? main;
  if (mainWord !== '') words.push(mainWord);
  if (per !== '') words.push(`per_${PER_UNIT_WORDS[per] ?? per}`);
  return words;
}

function withSuffix(name: string, suffix: string): string {
  return name.endsWith(`_${suffix}`) ? name : `${name}_${suffix}`;
}

/** The Prometheus metric name of an OTLP metric (before `_bucket`/`_sum`/`_count` for distributions). */
export function prometheusName(m: NamedMetric): string {
  let name = m.name;
  const words = unitWords(m.unit);
  // A name that already says its unit (`duration_seconds`) keeps it once.
  if (words.length > 0 && !name.endsWith(`_${words.join('_')}`)) for (const w of words) name = withSuffix(name, w);
  if (m.type === 'sum' && m.monotonic) name = withSuffix(name, 'total');
  if (m.type === 'gauge' && m.unit === '1') name = withSuffix(name, 'ratio');
  return name;
}

/** The Prometheus metric type a client sees in /api/v1/metadata. */
export function prometheusType(m: Pick<NamedMetric, 'type' | 'monotonic'>): 'counter' | 'gauge' | 'histogram' | 'summary' {
  switch (m.type) {
    case 'sum':
      return m.monotonic ? 'counter' : 'gauge';
    case 'gauge':
      return 'gauge';
    case 'histogram':
    case 'exponential_histogram':
      return 'histogram';
    case 'summary':
      return 'summary';
  }
}

/** An attribute value as label text: strings as they are, anything else as its JSON (as Prometheus prints OTLP's AnyValue). */
export function labelValue(v: AttrValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The labels of a series from its point attributes and its resource's attributes: `job` is
 * `service.namespace/service.name` (or the name alone), `instance` is `service.instance.id`, as
 * Prometheus sets them; `service_name` is the service alone. Empty values are no label.
 */
export function seriesLabels(point: Readonly<Record<string, AttrValue>>, resource: Readonly<Record<string, AttrValue>>): Labels {
  const labels: Labels = {};
  for (const [k, v] of Object.entries(point)) {
    const text = labelValue(v);
    if (text !== '') labels[k] = text;
  }
  const service = resource['service.name'];
  const namespace = resource['service.namespace'];
  const instance = resource['service.instance.id'];
  if (typeof service === 'string' && service !== '') {
    labels.job = typeof namespace === 'string' && namespace !== '' ? `${namespace}/${service}` : service;
    labels.service_name = service;
  }
  if (instance !== undefined && instance !== null && labelValue(instance) !== '') labels.instance = labelValue(instance);
  return labels;
}
