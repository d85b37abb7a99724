// StatsD / DogStatsD datagrams as real clients send them, parsed and folded into series the way
// statsd_exporter maps them by default. Expected names and error reasons come from statsd_exporter
// (pkg/line/line_test.go, pkg/mapper/escape_test.go at ac592b1e33bd379c97437884050e3105a4bae78e).
import { describe, expect, it } from 'vitest';
import { STATSD_LIMITS } from '../../../electron/engine/ingest/metrics-in/limits.js';
import type { MetricFamily } from '../../../electron/engine/ingest/metrics-in/model.js';
import { StatsdAggregator } from '../../../electron/engine/ingest/metrics-in/statsd-aggregator.js';
import { escapeStatsdName } from '../../../electron/engine/ingest/metrics-in/statsd-names.js';
import { parseDatagram } from '../../../electron/engine/ingest/metrics-in/statsd-parser.js';

const NOW = 1_700_000_000_000;

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no family ${name} in ${families.map((f) => f.name).join(', ')}`);
  return found;
}
function valueOf(families: MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const sampleName = name;
  for (const f of families) {
    for (const s of f.samples) if (s.name === sampleName && JSON.stringify(s.labels) === JSON.stringify(labels)) return s.value;
  }
  return undefined;
}

describe('escapeStatsdName (statsd_exporter escape_test.go)', () => {
  it.each([
    ['my.metric', 'my_metric'],
    ['0starts_with_digit', '_0starts_with_digit'],
    ['with_underscore', 'with_underscore'],
    ['http://example.com/foo', 'http___example_com_foo'],
    ['unicode.w€rd', 'unicode_w_rd'],
    ['a--b', 'a_b'],
    ['a---b', 'a_b'],
    ['a-b', 'a_b'],
    ['', ''],
  ])('%j -> %j', (raw, escaped) => {
    expect(escapeStatsdName(raw)).toBe(escaped);
  });
});

describe('parseDatagram', () => {
  it('reads etsy counters, gauges, timers, histograms, distributions and sets', () => {
    const { samples, errors } = parseDatagram('a:1|c\nb:2|g\nc:320|ms\nd:0.5|h\ne:7|d\nf:alice|s\ng:+4|g\nh:-2|g\ni:3|c|@0.1');
    expect(errors).toEqual([]);
    expect(samples.map((s) => [s.name, s.type, s.value, s.relative, s.sampleRate, s.member])).toEqual([
      ['a', 'c', 1, false, 1, undefined],
      ['b', 'g', 2, false, 1, undefined],
      ['c', 'ms', 320, false, 1, undefined],
      ['d', 'h', 0.5, false, 1, undefined],
      ['e', 'd', 7, false, 1, undefined],
      ['f', 's', 0, false, 1, 'alice'],
      ['g', 'g', 4, true, 1, undefined],
      ['h', 'g', -2, true, 1, undefined],
      ['i', 'c', 3, false, 0.1, undefined],
    ]);
  });

  it('reads DogStatsD tags, packed values, container ids and timestamps', () => {
    const { samples, errors, tagErrors } = parseDatagram(
      'page.views:1|c|#env:prod,region:eu-west,bare|c:abc123|T1700000000\nlatency:1:2:3|d|@0.5|#route:/x',
    );
    expect(errors).toEqual([]);
    expect(tagErrors).toBe(1); // `bare` has no value: statsd_exporter drops it and counts a tag error
    expect(samples[0]).toEqual({
      name: 'page.views',
      type: 'c',
      value: 1,
      relative: false,
      sampleRate: 1,
      labels: { env: 'prod', region: 'eu-west', container_id: 'abc123' },
      timestampSeconds: 1_700_000_000,
    });
    expect(samples.slice(1).map((s) => [s.name, s.value, s.sampleRate, s.labels])).toEqual([
      ['latency', 1, 0.5, { route: '/x' }],
      ['latency', 2, 0.5, { route: '/x' }],
      ['latency', 3, 0.5, { route: '/x' }],
    ]);
  });

  it('reads InfluxDB, Librato and SignalFx tags in the name, and etsy multi-metric lines', () => {
    const { samples } = parseDatagram('influx,host=a,dc=b:1|c\nlibrato#host=a:2|c\nsignalfx[host=a,dc=b].count:3|c\nmulti:1|c:2|ms');
    expect(samples.map((s) => [s.name, s.type, s.value, s.labels])).toEqual([
      ['influx', 'c', 1, { host: 'a', dc: 'b' }],
      ['librato', 'c', 2, { host: 'a' }],
      ['signalfx.count', 'c', 3, { host: 'a', dc: 'b' }],
      ['multi', 'c', 1, {}],
      ['multi', 'ms', 2, {}],
    ]);
  });

  it('reports each bad line with its reason and keeps the good lines of the same datagram', () => {
    const { samples, errors } = parseDatagram(
      [
        'ok:1|c',
        'no_colon',
        ':1|c',
        'x:1',
        'x:abc|c',
        'x:1|q',
        'x:1|c|@nope',
        'x,a=b:1|c|#c:d',
        'x:1|c|c',
        'x:1|c|Tsoon',
        'x:a:b|s',
        'x:1|c||',
        'also_ok:2|g',
      ].join('\n'),
    );
    expect(samples.map((s) => s.name)).toEqual(['ok', 'also_ok']);
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      ['no_colon', 'malformed_line'],
      [':1|c', 'malformed_line'],
      ['x:1', 'not_enough_parts_after_colon'],
      ['x:abc|c', 'malformed_value'],
      ['x:1|q', 'illegal_event'],
      ['x:1|c|@nope', 'invalid_sample_factor'],
      ['x,a=b:1|c|#c:d', 'mixed_tagging_styles'],
      ['x:1|c|c', 'malformed_container_id'],
      ['x:1|c|Tsoon', 'invalid_timestamp'],
      ['x:a:b|s', 'invalid_packed_set'],
      ['x:1|c||', 'malformed_component'],
    ]);
    expect(errors[3]?.message).toContain('"abc" is not a number');
  });

  it('refuses bytes that are not UTF-8, as statsd_exporter does', () => {
    const { samples, errors } = parseDatagram(
      Buffer.concat([Buffer.from('bad:1|c|#k:'), Buffer.from([0xff, 0xfe]), Buffer.from('\ngood:1|c')]),
    );
    expect(errors.map((e) => e.reason)).toEqual(['malformed_line']);
    expect(samples.map((s) => s.name)).toEqual(['good']);
  });
});

describe('StatsdAggregator', () => {
  it('maps counters, gauges, timers and sets as statsd_exporter does, on flush(now)', () => {
    const agg = new StatsdAggregator();
    agg.ingest('api.requests:1|c|#route:/a\napi.requests:3|c|@0.5|#route:/a\napi.requests:-1|c|#route:/a', NOW);
    agg.ingest('queue.depth:10|g\nqueue.depth:+5|g\nqueue.depth:-3|g', NOW);
    agg.ingest(['db.query:100|ms', 'db.query:200|ms', 'db.query:300|ms', 'db.query:400|ms', 'db.query:500|ms|@0.5'].join('\n'), NOW);
    agg.ingest('users:alice|s\nusers:bob|s\nusers:alice|s', NOW);
    const families = agg.flush(NOW + 10_000);

    expect(family(families, 'api_requests')).toMatchObject({ type: 'counter', unit: '' });
    expect(valueOf(families, 'api_requests', { route: '/a' })).toBe(7); // 1 + 3/0.5; the negative one dropped
    expect(agg.stats.droppedNegativeCounter).toBe(1);
    expect(family(families, 'queue_depth').type).toBe('gauge');
    expect(valueOf(families, 'queue_depth')).toBe(12);

    const timer = family(families, 'db_query');
    expect(timer.type).toBe('summary');
    expect(valueOf(families, 'db_query', { quantile: '0.5' })).toBe(0.3); // seconds: statsd_exporter divides ms by 1000
    expect(valueOf(families, 'db_query', { quantile: '0.9' })).toBe(0.5);
    expect(valueOf(families, 'db_query', { quantile: '0.99' })).toBe(0.5);
    expect(valueOf(families, 'db_query_count')).toBe(6); // the @0.5 observation counts twice
    expect(valueOf(families, 'db_query_sum')).toBeCloseTo(0.1 + 0.2 + 0.3 + 0.4 + 1.0);

    expect(family(families, 'users').type).toBe('gauge');
    expect(valueOf(families, 'users')).toBe(2);
    expect(timer.samples.every((s) => s.timestampUs === (NOW + 10_000) * 1000)).toBe(true);

    // The next interval: counters stay cumulative, sets start over.
    agg.ingest('api.requests:1|c|#route:/a', NOW + 15_000);
    const next = agg.flush(NOW + 20_000);
    expect(valueOf(next, 'api_requests', { route: '/a' })).toBe(8);
    expect(valueOf(next, 'users')).toBe(0);
  });

  it('keeps the first kind a name was used with and counts the conflicting samples', () => {
    const agg = new StatsdAggregator();
    agg.ingest('thing:1|c\nthing:5|g', NOW);
    expect(agg.stats.droppedConflicting).toBe(1);
    expect(valueOf(agg.flush(NOW), 'thing')).toBe(1);
  });

  it('the same tags in another order are the same series', () => {
    const agg = new StatsdAggregator();
    agg.ingest('x:1|c|#a:1,b:2\nx:1|c|#b:2,a:1', NOW);
    expect(agg.stats.series).toBe(1);
  });

  it('drops and counts new series past the per-metric and total limits; existing series go on', () => {
    const agg = new StatsdAggregator({ ...STATSD_LIMITS, maxSeriesPerMetric: 3, maxSeriesTotal: 5 });
    for (let i = 0; i < 10; i++) agg.ingest(`req:1|c|#request_id:${i}`, NOW);
    expect(agg.stats.series).toBe(3);
    expect(agg.stats.droppedCardinality).toBe(7);
    expect(agg.stats.lastCardinalityDrop).toEqual({ metric: 'req', limit: 'maxSeriesPerMetric', atMs: NOW });
    agg.ingest('req:1|c|#request_id:0', NOW);
    expect(valueOf(agg.flush(NOW), 'req', { request_id: '0' })).toBe(2);
    for (let i = 0; i < 5; i++) agg.ingest(`other${i}:1|g`, NOW);
    expect(agg.stats.series).toBe(5);
    expect(agg.stats.lastCardinalityDrop?.limit).toBe('maxSeriesTotal');
  });

  it('counts bad lines by reason and keeps the newest for the source status', () => {
    const agg = new StatsdAggregator();
    agg.ingest('good:1|c\ngarbage\nx:1|zz', NOW);
    expect(agg.stats).toMatchObject({ samples: 1, badLines: 2, badLinesByReason: { malformed_line: 1, illegal_event: 1 } });
    expect(agg.stats.lastBadLine).toMatchObject({ line: 'x:1|zz', reason: 'illegal_event', atMs: NOW });
  });

  it('forgets timer observations older than the 10-minute window, as client_golang summaries do', () => {
    const agg = new StatsdAggregator();
    agg.ingest('t:1000|ms', NOW);
    agg.ingest('t:5|ms', NOW + 9 * 60_000);
    expect(valueOf(agg.flush(NOW + 9 * 60_000), 't', { quantile: '0.99' })).toBe(1);
    const later = agg.flush(NOW + 11 * 60_000);
    expect(valueOf(later, 't', { quantile: '0.99' })).toBe(0.005);
    expect(valueOf(later, 't_count')).toBe(2);
    expect(valueOf(agg.flush(NOW + 30 * 60_000), 't', { quantile: '0.5' })).toBeNaN();
  });

  it('keeps a bounded reservoir of observations under a flood', () => {
    const agg = new StatsdAggregator({ ...STATSD_LIMITS, maxObservationsPerBucket: 100 });
    for (let i = 1; i <= 10_000; i++) agg.ingest(`flood:${i}|h`, NOW);
    const families = agg.flush(NOW);
    expect(valueOf(families, 'flood_count')).toBe(10_000);
    const median = valueOf(families, 'flood', { quantile: '0.5' })!;
    expect(median).toBeGreaterThan(3000); // a uniform sample of 1..10000: the median is near 5000
    expect(median).toBeLessThan(7000);
  });
});
