// Where an endpoint's time goes, on hand-built span trees (times in ms for reading, µs in the
// spans), and Apdex from cumulative buckets against values computed by hand.
import { describe, expect, it } from 'vitest';
import { apdexOf, countAtOrBelow } from '../../../electron/engine/analysis/bottlenecks/metric-findings.js';
import { splitTime, type TreeSpan } from '../../../electron/engine/analysis/bottlenecks/time-split.js';

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;

let nextId = 0;
function span(kind: number, startMs: number, endMs: number, children: TreeSpan[] = [], dbSystem?: string): TreeSpan {
  return {
    spanId: String(nextId++),
    parentSpanId: null,
    kind,
    startUs: startMs * 1000,
    endUs: endMs * 1000,
    service: 'shop',
    name: 'x',
    ...(dbSystem ? { dbSystem } : {}),
    children,
  };
}

const inMs = (s: ReturnType<typeof splitTime>): [number, number, number] => [s.ownUs / 1000, s.databaseUs / 1000, s.downstreamUs / 1000];

describe('endpoint time split', () => {
  it('gives the server span its self time, database calls and downstream calls', () => {
    // 0–100: a query 10–30, an HTTP call 40–70, a message sent 80–85.
    const tree = span(SERVER, 0, 100, [span(CLIENT, 10, 30, [], 'postgresql'), span(CLIENT, 40, 70), span(PRODUCER, 80, 85)]);
    expect(inMs(splitTime(tree))).toEqual([45, 20, 35]);
  });

  it('walks into in-process spans, whose own time is own code, and stops at calls', () => {
    // A handler span 10–90 holds a query 20–40 and a render span 50–80 holding a cache call 60–70;
    // the query's driver span under it (a child of a call) is the call's, not counted again.
    const query = span(CLIENT, 20, 40, [span(INTERNAL, 22, 38)], 'postgresql');
    const render = span(INTERNAL, 50, 80, [span(CLIENT, 60, 70, [], 'redis')]);
    const tree = span(SERVER, 0, 100, [span(INTERNAL, 10, 90, [query, render])]);
    expect(inMs(splitTime(tree))).toEqual([70, 30, 0]);
  });

  it('shares time that parallel calls overlap, so the parts add up to the duration', () => {
    // Two queries 0–60 and 30–90 overlap 30–60: each gets 30 alone + 15 shared; an HTTP call
    // 50–100 overlaps both queries 50–60 (three ways) and the second 60–90 (two ways).
    const tree = span(SERVER, 0, 100, [span(CLIENT, 0, 60, [], 'pg'), span(CLIENT, 30, 90, [], 'pg'), span(CLIENT, 50, 100)]);
    const [own, db, downstream] = inMs(splitTime(tree));
    // Query 1: 0–30 + 30–50 / 2 + 50–60 / 3; query 2: 30–50 / 2 + 50–60 / 3 + 60–90 / 2; HTTP: 50–60 / 3 + 60–90 / 2 + 90–100.
    expect(own).toBeCloseTo(0, 9);
    expect(db).toBeCloseTo(30 + 10 + 10 / 3 + 10 + 10 / 3 + 15, 9);
    expect(downstream).toBeCloseTo(10 / 3 + 15 + 10, 9);
    expect(own + db + downstream).toBeCloseTo(100, 9);
  });

  it('counts only the part of a child inside its parent (a call that outlives the request)', () => {
    const tree = span(SERVER, 0, 50, [span(PRODUCER, 40, 200)]);
    expect(inMs(splitTime(tree))).toEqual([40, 0, 10]);
  });

  it('weighs an in-process span that runs beside a call by its share', () => {
    // An internal span 0–40 beside a query 20–60: it keeps 0–20 + half of 20–40 = 30 of its 40 ms,
    // so its own 40 ms (no children) count 30; the query keeps 10 + 20 = 30; the server's own 40.
    const tree = span(SERVER, 0, 100, [span(INTERNAL, 0, 40), span(CLIENT, 20, 60, [], 'pg')]);
    expect(inMs(splitTime(tree))).toEqual([70, 30, 0]);
  });
});

describe('Apdex from duration buckets', () => {
  // Cumulative counts per upper bound (ms): 10 requests ≤ 100, 30 ≤ 500, 36 ≤ 2000, 40 in all.
  const buckets = [
    { upperBound: 100, count: 10 },
    { upperBound: 500, count: 30 },
    { upperBound: 2000, count: 36 },
    { upperBound: Infinity, count: 40 },
  ];

  it('counts satisfied ≤ T and tolerating ≤ 4T when T and 4T are bucket bounds', () => {
    // T = 0.5 s: 30 satisfied, 36 − 30 = 6 tolerating (≤ 2 s), 4 frustrated: (30 + 3) / 40.
    expect(apdexOf(buckets, 0.5)).toBe(0.825);
  });

  it('interpolates inside the bucket that holds T', () => {
    // T = 0.3 s: 10 + 20 × (300 − 100) / 400 = 20 satisfied; 4T = 1.2 s: 30 + 6 × 700 / 1500 = 32.8.
    expect(countAtOrBelow(buckets, 300)).toBe(20);
    expect(countAtOrBelow(buckets, 1200)).toBeCloseTo(32.8, 9);
    expect(apdexOf(buckets, 0.3)).toBeCloseTo((20 + 12.8 / 2) / 40, 9);
    // Past the last finite bound nothing more is known: those in +Inf are frustrated.
    expect(apdexOf(buckets, 10)).toBe(36 / 40);
  });

  it('is null without requests', () => {
    expect(
      apdexOf(
        [
          { upperBound: 100, count: 0 },
          { upperBound: Infinity, count: 0 },
        ],
        0.5,
      ),
    ).toBeNull();
  });
});
