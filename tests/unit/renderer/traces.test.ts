// The Traces view's pure parts: the span tree (orphans, cycles, collapsing), the critical path,
// the semantic-convention readers, service colours, the ruler and the service map's layout.
import { describe, expect, it } from 'vitest';
import type { SpanView } from '../../../shared/model.js';
import { criticalPath } from '../../../renderer/src/features/traces/critical-path.js';
import { formatDuration, niceStep, percentAt, rulerTicks } from '../../../renderer/src/lib/duration.js';
import { layoutServiceMap } from '../../../renderer/src/features/traces/service-map/service-map-layout.js';
import { ERROR_COLOR, SERVICE_PALETTES, serviceColor, serviceColors } from '../../../renderer/src/features/traces/service-colors.js';
import { groupAttributes, readConventions, readException, spanHint } from '../../../renderer/src/features/traces/semconv.js';
import { buildTraceTree, findInTrace, visibleRows } from '../../../renderer/src/features/traces/trace-tree.js';
import {
  filtersFromParams,
  filtersToParams,
  logsLink,
  matchesText,
  searchRequest,
} from '../../../renderer/src/features/traces/trace-search-state.js';
import { formatHash, parseHash } from '../../../renderer/src/lib/time-range.js';

function span(spanId: string, parentSpanId: string | undefined, startUs: number, endUs: number, extra: Partial<SpanView> = {}): SpanView {
  const s: SpanView = {
    traceId: 't',
    spanId,
    name: spanId,
    kind: 'internal',
    start: new Date(startUs / 1000).toISOString(),
    startUs,
    endUs,
    durationUs: endUs - startUs,
    status: { code: 'unset' },
    service: 'svc',
    resource: 0,
    attributes: {},
    events: [],
    links: [],
    flags: 0,
    ...extra,
  };
  if (parentSpanId) s.parentSpanId = parentSpanId;
  return s;
}

const keys = (nodes: { key: string }[]): string[] => nodes.map((n) => n.key);

describe('the span tree', () => {
  it('nests children under parents by start time, whatever order they arrive in', () => {
    const tree = buildTraceTree([span('c2', 'a', 50, 60), span('a', undefined, 0, 100), span('b', 'a', 10, 40), span('b1', 'b', 12, 20)]);
    expect(keys(tree.nodes)).toEqual(['a', 'b', 'b1', 'c2']);
    expect(tree.nodes.map((n) => n.depth)).toEqual([0, 1, 2, 1]);
    expect(tree.byKey.get('a')!.descendants).toBe(4);
    expect([tree.startUs, tree.endUs]).toEqual([0, 100]);
  });

  it('gathers spans whose parent never arrived under one placeholder per missing parent', () => {
    const tree = buildTraceTree([
      span('r', undefined, 0, 100),
      span('o1', 'gone', 20, 30),
      span('o2', 'gone', 10, 15),
      span('o3', 'lost', 5, 8),
      span('o1a', 'o1', 21, 22),
    ]);
    expect(keys(tree.roots)).toEqual(['r', 'missing:lost', 'missing:gone']);
    const gone = tree.byKey.get('missing:gone')!;
    expect(gone.span).toBeUndefined();
    expect(gone.missingParentId).toBe('gone');
    expect(keys(gone.children)).toEqual(['o2', 'o1']);
    expect([gone.startUs, gone.endUs]).toEqual([10, 30]);
    expect(tree.byKey.get('o1a')!.depth).toBe(2);
    expect(keys(tree.nodes)).toEqual(['r', 'missing:lost', 'o3', 'missing:gone', 'o2', 'o1', 'o1a']);
  });

  it('cuts a parent cycle instead of losing its spans or looping', () => {
    const tree = buildTraceTree([span('a', 'b', 0, 10), span('b', 'a', 5, 10)]);
    expect(tree.nodes).toHaveLength(2);
    expect(keys(tree.roots)).toEqual(['a']);
  });

  it('shows only rows whose ancestors are expanded, skipping collapsed subtrees whole', () => {
    const tree = buildTraceTree([
      span('a', undefined, 0, 100),
      span('b', 'a', 1, 50),
      span('b1', 'b', 2, 3),
      span('c', 'a', 60, 70),
      span('o', 'x', 1, 2),
    ]);
    expect(keys(visibleRows(tree, new Set()))).toEqual(['a', 'b', 'b1', 'c', 'missing:x', 'o']);
    expect(keys(visibleRows(tree, new Set(['b'])))).toEqual(['a', 'b', 'c', 'missing:x', 'o']);
    expect(keys(visibleRows(tree, new Set(['a'])))).toEqual(['a', 'missing:x', 'o']);
    expect(keys(visibleRows(tree, new Set(['missing:x'])))).toEqual(['a', 'b', 'b1', 'c', 'missing:x']);
  });

  it('builds and collapses a 10,000-deep chain without recursion', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : undefined, i, 20_000 - i));
    const tree = buildTraceTree(spans);
    expect(tree.nodes.at(-1)!.depth).toBe(9_999);
    expect(visibleRows(tree, new Set(['s5']))).toHaveLength(6);
    expect(criticalPath(tree).keys.size).toBe(10_000);
  });

  it('finds spans by name, service, attribute and event', () => {
    const tree = buildTraceTree([
      span('a', undefined, 0, 10, { name: 'GET /users' }),
      span('b', 'a', 1, 2, { attributes: { 'db.statement': 'SELECT users' } }),
      span('c', 'a', 3, 4, { events: [{ name: 'cache miss', time: '', timeUs: 3 }] }),
    ]);
    expect(findInTrace(tree, 'users')).toEqual(['a', 'b']);
    expect(findInTrace(tree, 'MISS')).toEqual(['c']);
    expect(findInTrace(tree, '  ')).toEqual([]);
  });
});

describe('the critical path', () => {
  it('walks back from the root end through the last-finishing child, skipping parallel work', () => {
    // root 0-100: a 10-40, b 45-90 (with b1 50-60 and b2 55-85), c 50-70 parallel to b, then root's own 90-100.
    const tree = buildTraceTree([
      span('root', undefined, 0, 100),
      span('a', 'root', 10, 40),
      span('b', 'root', 45, 90),
      span('b1', 'b', 50, 60),
      span('b2', 'b', 55, 85),
      span('c', 'root', 50, 70),
    ]);
    const cp = criticalPath(tree);
    expect(cp.segments.map((s) => [s.key, s.startUs, s.endUs])).toEqual([
      ['root', 0, 10],
      ['a', 10, 40],
      ['root', 40, 45],
      ['b', 45, 55],
      ['b2', 55, 85],
      ['b', 85, 90],
      ['root', 90, 100],
    ]);
    // b1 ran under b2 and ended before it; c ran beside b: neither held the trace up.
    expect(cp.keys.has('b1')).toBe(false);
    expect(cp.keys.has('c')).toBe(false);
    // The segments tile the root's time exactly.
    expect(cp.segments.reduce((sum, s) => sum + (s.endUs - s.startUs), 0)).toBe(100);
  });

  it('clips children to their parent: work after the parent ended does not count', () => {
    const tree = buildTraceTree([span('root', undefined, 0, 100), span('async', 'root', 80, 500), span('early', 'root', 10, 50)]);
    const cp = criticalPath(tree);
    expect(cp.segments.map((s) => [s.key, s.startUs, s.endUs])).toEqual([
      ['root', 0, 10],
      ['early', 10, 50],
      ['root', 50, 80],
      ['async', 80, 100],
    ]);
  });

  it('starts from the real root over an orphan placeholder, and is empty for no spans', () => {
    const tree = buildTraceTree([span('o', 'gone', 0, 1000), span('r', undefined, 0, 10)]);
    expect(cp(tree)).toEqual(['r']);
    expect(criticalPath(buildTraceTree([])).segments).toEqual([]);
    function cp(t: ReturnType<typeof buildTraceTree>): string[] {
      return [...criticalPath(t).keys];
    }
  });
});

describe('semantic conventions', () => {
  it('reads HTTP, DB, messaging and RPC facts from the new and the old names', () => {
    const oldHttp = readConventions({ 'http.method': 'GET', 'http.status_code': 200, 'http.url': 'http://a/b', 'http.route': '/b' });
    const newHttp = readConventions({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.full': 'http://a/b',
      'http.route': '/b',
    });
    expect(oldHttp[0]!.facts.map((f) => [f.label, f.value])).toEqual(newHttp[0]!.facts.map((f) => [f.label, f.value]));
    expect(newHttp[0]!.facts.find((f) => f.label === 'Status')).toEqual({
      label: 'Status',
      value: '200',
      key: 'http.response.status_code',
    });
    const both = readConventions({ 'http.method': 'OLD', 'http.request.method': 'NEW' });
    expect(both[0]!.facts[0]!.value).toBe('NEW');
    const db = readConventions({ 'db.system': 'postgresql', 'db.statement': 'SELECT 1' });
    expect(db[0]!.group).toBe('Database');
    expect(db[0]!.facts.map((f) => f.value)).toEqual(['postgresql', 'SELECT 1']);
    expect(readConventions({ 'db.system.name': 'mysql', 'db.query.text': 'SELECT 2' })[0]!.facts.map((f) => f.value)).toEqual([
      'mysql',
      'SELECT 2',
    ]);
    expect(readConventions({ 'messaging.system': 'kafka', 'messaging.destination': 'orders' })[0]!.facts.map((f) => f.value)).toEqual([
      'kafka',
      'orders',
    ]);
    expect(readConventions({ 'rpc.system': 'grpc', 'rpc.service': 'Cart', 'rpc.method': 'Add' })[0]!.group).toBe('RPC');
    expect(readConventions({ foo: 1 })).toEqual([]);
  });

  it('writes a short hint for a row', () => {
    expect(spanHint({ attributes: { 'http.method': 'GET', 'http.route': '/u/{id}', 'http.status_code': 500 } })).toBe('GET /u/{id} 500');
    expect(spanHint({ attributes: { 'db.system': 'redis', 'db.statement': 'GET\n  k' } })).toBe('redis GET k');
    expect(spanHint({ attributes: { 'rpc.system': 'grpc', 'rpc.service': 'Cart', 'rpc.method': 'Add' } })).toBe('grpc Cart/Add');
    expect(spanHint({ attributes: {} })).toBe('');
  });

  it('groups attributes by namespace, known ones first', () => {
    const groups = groupAttributes({ zeta: 1, 'http.route': '/a', 'db.system': 'pg', 'http.method': 'GET', 'custom.x': [1, 2] });
    expect(groups.map((g) => g.name)).toEqual(['HTTP', 'Database', 'Other']);
    expect(groups[0]!.entries).toEqual([
      ['http.method', 'GET'],
      ['http.route', '/a'],
    ]);
    expect(groups[2]!.entries).toEqual([
      ['custom.x', '[1,2]'],
      ['zeta', '1'],
    ]);
  });

  it('reads exception events', () => {
    expect(
      readException({
        name: 'exception',
        attributes: {
          'exception.type': 'ValueError',
          'exception.message': 'bad',
          'exception.stacktrace': 'Traceback…',
          'exception.escaped': true,
        },
      }),
    ).toEqual({
      type: 'ValueError',
      message: 'bad',
      stacktrace: 'Traceback…',
      escaped: true,
    });
    expect(readException({ name: 'retry' })).toBeUndefined();
  });
});

describe('colours, durations and the ruler', () => {
  it('gives a service the same colour every time, and distinct colours within a trace', () => {
    expect(serviceColor('checkout')).toBe(serviceColor('checkout'));
    expect(SERVICE_PALETTES.light).toContain(serviceColor('checkout'));
    expect(SERVICE_PALETTES.dark).toContain(serviceColor('checkout', true));
    const names = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    expect(new Set(serviceColors(names).values()).size).toBe(8);
    expect(new Set(serviceColors(names, true).values()).size).toBe(8);
    expect(serviceColors(['b', 'a'])).toEqual(serviceColors(['a', 'b']));
    // The same hue in both schemes: a service keeps its place in the palette.
    expect(SERVICE_PALETTES.dark.indexOf(serviceColor('checkout', true) as never)).toBe(
      SERVICE_PALETTES.light.indexOf(serviceColor('checkout') as never),
    );
  });

  it('keeps the service colours apart from each other and from the error red, and visible on the page in both schemes', () => {
    const backgrounds = { light: ['#ffffff', '#f6f7f9'], dark: ['#111217', '#1e2228'] } as const;
    for (const scheme of ['light', 'dark'] as const) {
      const palette = SERVICE_PALETTES[scheme];
      for (const c of palette) {
        // WCAG 1.4.11: graphics need 3:1 against what is next to them.
        for (const bg of backgrounds[scheme]) expect(contrastRatio(c, bg), `${scheme} ${c} on ${bg}`).toBeGreaterThanOrEqual(3);
        expect(deltaE(c, ERROR_COLOR), `${scheme} ${c} vs error`).toBeGreaterThan(25);
        for (const d of palette) if (c !== d) expect(deltaE(c, d), `${scheme} ${c} vs ${d}`).toBeGreaterThan(25);
      }
    }
  });

  it('formats durations and places nice ticks', () => {
    expect(formatDuration(0)).toBe('0');
    expect(formatDuration(850)).toBe('850µs');
    expect(formatDuration(1500)).toBe('1.5ms');
    expect(formatDuration(220_000)).toBe('220ms');
    expect(formatDuration(2_500_000)).toBe('2.5s');
    expect(formatDuration(125e6)).toBe('2m 5s');
    expect(niceStep(300_000, 6)).toBe(50_000);
    expect(rulerTicks(300_000, 6)).toEqual([0, 50_000, 100_000, 150_000, 200_000, 250_000, 300_000]);
    expect(percentAt(150, 100, 100)).toBe(50);
    expect(percentAt(500, 100, 100)).toBe(100);
  });
});

describe('the service map layout', () => {
  const edge = (parent: string, child: string) => ({ parent, child, count: 1, rate: 1, errorCount: 0, errorRate: 0, p95DurationUs: 1 });

  it('puts callers left of callees, by their longest call chain', () => {
    const l = layoutServiceMap(
      ['web', 'api', 'db', 'cache'],
      [edge('web', 'api'), edge('api', 'db'), edge('web', 'db'), edge('api', 'cache')],
    );
    const layer = Object.fromEntries(l.nodes.map((n) => [n.name, n.layer]));
    expect(layer).toEqual({ web: 0, api: 1, db: 2, cache: 2 });
    const x = Object.fromEntries(l.nodes.map((n) => [n.name, n.x]));
    expect(x.web!).toBeLessThan(x.api!);
    expect(l.edges.every((e) => !e.back)).toBe(true);
    expect(l.width).toBeGreaterThan(0);
  });

  it('survives cycles and self calls', () => {
    const l = layoutServiceMap(['a', 'b'], [edge('a', 'b'), edge('b', 'a'), edge('a', 'a')]);
    expect(l.nodes.map((n) => [n.name, n.layer])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(l.edges.filter((e) => e.back)).toHaveLength(1);
    expect(l.edges).toHaveLength(3);
  });
});

describe('the trace search in the URL', () => {
  it('round-trips filters through the hash and builds the request', () => {
    const f = { service: 'checkout', operation: 'POST /x', errorsOnly: true, minDuration: '100ms', maxDuration: '', q: 'http.route:/a' };
    const loc = {
      route: 'traces' as const,
      q: f.q,
      range: { kind: 'relative' as const, last: '15m' as const },
      params: filtersToParams(f),
    };
    const back = parseHash(formatHash(loc));
    expect(back).toEqual(loc);
    expect(filtersFromParams(back.q, back.params)).toEqual(f);
    const req = searchRequest(f, { kind: 'absolute', from: 0, to: 1000 });
    expect(req).toEqual({
      from: '1970-01-01T00:00:00.000Z',
      to: '1970-01-01T00:00:01.000Z',
      limit: 500,
      service: 'checkout',
      operation: 'POST /x',
      status: 'error',
      minDuration: '100ms',
      q: 'http.route:/a',
    });
  });

  it('links a trace to its logs over its time, padded', () => {
    const link = logsLink('abc', 'def', Date.parse('2026-11-30T10:00:00Z') * 1000, Date.parse('2026-11-30T10:00:01Z') * 1000);
    const loc = parseHash(link);
    expect(loc.q).toBe('trace:abc span:def');
    expect(loc.range).toEqual({ kind: 'absolute', from: Date.parse('2026-11-30T09:55:00Z'), to: Date.parse('2026-11-30T10:05:01Z') });
    expect(loc.params).toBeUndefined();
    expect(parseHash(logsLink('abc', 'def', 0, 1, 1764496800000123)).params).toEqual({ record: '1764496800000123' });
  });
});

describe('the trace search status line', () => {
  it('says how many traces match, and when only the newest are listed', () => {
    expect(matchesText(0, false, 0)).toBe('0 traces');
    expect(matchesText(1, false, 1)).toBe('1 trace');
    expect(matchesText(37, false, 37)).toBe('37 traces');
    expect(matchesText(1234, false, 500)).toBe('1,234 traces · newest 500 shown');
    expect(matchesText(10_000, true, 500)).toBe('10,000+ traces · newest 500 shown');
  });
});

function linear(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
}

function contrastRatio(a: string, b: string): number {
  const lum = (h: string): number => {
    const [r, g, bl] = linear(h);
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** CIE76 colour difference in L*a*b* (D65): above ~25 two colours read as different hues. */
function deltaE(a: string, b: string): number {
  const lab = (h: string): [number, number, number] => {
    const [r, g, bl] = linear(h);
    const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047);
    const y = f(0.2126 * r + 0.7152 * g + 0.0722 * bl);
    const z = f((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
