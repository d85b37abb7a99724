// Query results in the JSON shapes of Prometheus's HTTP API (/api/v1/query, /api/v1/query_range):
// `[unixSeconds, "value"]` pairs, values printed like Go's strconv.FormatFloat(v, 'f', -1, 64)
// (no exponent), infinities as "+Inf"/"-Inf" and NaN as "NaN".
import type { QueryResult } from './engine.js';
import type { Labels } from './storage.js';

export type ApiSamplePair = [number, string];

export type ApiQueryData =
  | { resultType: 'scalar'; result: ApiSamplePair }
  | { resultType: 'string'; result: [number, string] }
  | { resultType: 'vector'; result: { metric: Labels; value: ApiSamplePair }[] }
  | { resultType: 'matrix'; result: { metric: Labels; values: ApiSamplePair[] }[] };

/** Shortest decimal form without exponent, as Go's 'f' format with precision -1. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const [int, frac = ''] = mantissa.split('.');
  const digits = int! + frac;
  const point = int!.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** Milliseconds → the API's float seconds. */
function seconds(ms: number): number {
  return ms / 1000;
}

export function formatResult(r: QueryResult): ApiQueryData {
  switch (r.resultType) {
    case 'scalar':
      return { resultType: 'scalar', result: [seconds(r.timeMs), formatValue(r.value)] };
    case 'string':
      return { resultType: 'string', result: [seconds(r.timeMs), r.value] };
    case 'vector':
      return {
        resultType: 'vector',
        result: r.samples.map((s) => ({ metric: s.metric, value: [seconds(r.timeMs), formatValue(s.v)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.series.map((s) => ({ metric: s.metric, values: s.points.map((p): ApiSamplePair => [seconds(p.t), formatValue(p.v)]) })),
      };
  }
}
