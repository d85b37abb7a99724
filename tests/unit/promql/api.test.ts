// The engine's public API as the HTTP layer will use it: Prometheus's JSON shapes and number
// formatting, parse errors with positions, unsupported features named, OTel-style dotted names.
import { describe, expect, test } from 'vitest';
import {
  formatResult,
  formatValue,
  instantQuery,
  isStaleNaN,
  MemorySeriesStore,
  parseExpr,
  PromQLEvalError,
  PromQLParseError,
  rangeQuery,
  STALE_NAN,
} from '../../../electron/engine/signals/metrics/promql/index.js';

function store(): MemorySeriesStore {
  const s = new MemorySeriesStore();
  for (let i = 0; i <= 10; i++) {
    s.append({ __name__: 'http.server.requests', 'http.route': '/x', service: 'api' }, i * 60_000, i * 10);
    s.append({ __name__: 'http.server.requests', 'http.route': '/y', service: 'api' }, i * 60_000, i * 5);
  }
  return s;
}

describe('PromQL API', () => {
  test('UTF-8 quoted metric and label names select the series, rate gives per-second values', () => {
    const r = formatResult(
      instantQuery(store(), 'sum by ("http.route") (rate({"http.server.requests", "http.route"=~"/x|/y"}[5m]))', 600_000),
    );
    expect(r.resultType).toBe('vector');
    if (r.resultType !== 'vector') return;
    const byRoute = Object.fromEntries(r.result.map((x) => [x.metric['http.route'], x.value]));
    expect(byRoute).toEqual({ '/x': [600, String(10 / 60)], '/y': [600, String(5 / 60)] });
  });

  test('a range query is a matrix of [seconds, "value"] pairs sorted by labels', () => {
    const r = formatResult(rangeQuery(store(), '{"http.server.requests"} / 5', 0, 120_000, 60_000));
    expect(r).toEqual({
      resultType: 'matrix',
      result: [
        {
          metric: { 'http.route': '/x', service: 'api' },
          values: [
            [0, '0'],
            [60, '2'],
            [120, '4'],
          ],
        },
        {
          metric: { 'http.route': '/y', service: 'api' },
          values: [
            [0, '0'],
            [60, '1'],
            [120, '2'],
          ],
        },
      ],
    });
  });

  test('scalars, strings, NaN and infinities are formatted as Prometheus does', () => {
    expect(formatResult(instantQuery(store(), '1/0', 1000))).toEqual({ resultType: 'scalar', result: [1, '+Inf'] });
    expect(formatResult(instantQuery(store(), '-1/0', 1000))).toEqual({ resultType: 'scalar', result: [1, '-Inf'] });
    expect(formatResult(instantQuery(store(), '0/0', 1000))).toEqual({ resultType: 'scalar', result: [1, 'NaN'] });
    expect(formatResult(instantQuery(store(), '"hello"', 1500))).toEqual({ resultType: 'string', result: [1.5, 'hello'] });
    expect([1e21, 1.5e-7, -2e22, 0.1, 123456789.5].map(formatValue)).toEqual([
      '1000000000000000000000',
      '0.00000015',
      '-20000000000000000000000',
      '0.1',
      '123456789.5',
    ]);
  });

  test('a parse error gives line:column and a readable reason', () => {
    const err = (q: string): PromQLParseError => {
      try {
        parseExpr(q);
      } catch (e) {
        if (e instanceof PromQLParseError) return e;
        throw e;
      }
      throw new Error(`no error for ${q}`);
    };
    expect(err('sum(rate(foo[5m])) by (').message).toMatch(/^1:\d+: parse error: /);
    expect(err('holt_winters(foo[5m], 0.1, 0.1)').message).toBe('1:1: parse error: function holt_winters is not supported');
    expect(err('histogram_fraction(0, 1, foo)').reason).toBe('function histogram_fraction is not supported');
    expect(err('rate(foo)').reason).toBe('expected type range vector in call to function "rate", got instant vector');
    expect(err('foo + on(a) group_left(a) bar').reason).toBe('label "a" must not occur in ON and GROUP clause at once');
    expect(err('{job=~""}').reason).toBe('vector selector must contain at least one non-empty matcher');
    const bad = err('foo{a=~"("}');
    expect(bad.reason).toMatch(/invalid regular expression/);
    expect(bad.pos.start).toBe(4);
  });

  test("many-to-one matching without group_left is refused with Prometheus's message", () => {
    const s = store();
    s.append({ __name__: 'info', service: 'api' }, 0, 1);
    expect(() => instantQuery(s, 'info + on(service) {"http.server.requests"}', 0)).toThrow(PromQLEvalError);
    expect(() => instantQuery(s, 'info + on(service) {"http.server.requests"}', 0)).toThrow(
      /found duplicate series for the match group \{service="api"\} on the right hand-side/,
    );
    const ok = instantQuery(s, '{"http.server.requests"} * on(service) group_left info', 0);
    expect(ok.resultType === 'vector' && ok.samples.length).toBe(2);
  });

  test('a staleness marker ends a series at once instead of after the 5-minute lookback', () => {
    const s = new MemorySeriesStore();
    s.append({ __name__: 'up' }, 0, 1);
    s.append({ __name__: 'up' }, 60_000, STALE_NAN);
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    const at30s = instantQuery(s, 'up', 30_000);
    const at90s = instantQuery(s, 'up', 90_000);
    expect(at30s.resultType === 'vector' && at30s.samples.length).toBe(1);
    expect(at90s.resultType === 'vector' && at90s.samples.length).toBe(0);
  });

  test('regex matchers are RE2, fully anchored', () => {
    const r = instantQuery(store(), '{"http.server.requests", "http.route"=~"/"}', 0);
    expect(r.resultType === 'vector' && r.samples.length).toBe(0);
    expect(() => parseExpr('foo{a=~"(?=x)"}')).toThrow(PromQLParseError);
  });
});
