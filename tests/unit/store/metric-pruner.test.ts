// Retention of metric points by id blocks (migration 12): the points older than the cutoff go,
// exactly those, whatever order they arrived in (late points written among new ones, a backfill of
// old points after them) and across blocks of ids; the blocks' time bounds stay true to the points
// left; a database written before migration 12 gets its blocks from its points.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newDatabase, openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { MIGRATIONS } from '../../../electron/engine/core/migrations.js';
import { ResourceStore } from '../../../electron/engine/core/resource-store.js';
import type { OtlpMetric } from '../../../electron/engine/core/telemetry.js';
import { MetricPruner } from '../../../electron/engine/signals/metrics/metric-pruner.js';
import { MetricWriter, POINT_BLOCK_IDS } from '../../../electron/engine/signals/metrics/metric-writer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-metric-pruner-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0_US = 1_800_000_000_000_000;
const SECOND_US = 1_000_000;

/** A gauge of 50 series, one point each at each of the given times (seconds after T0). */
function gauge(seconds: readonly number[]): OtlpMetric {
  return {
    name: 'queue.depth',
    type: 'gauge',
    temporality: 0,
    monotonic: false,
    points: seconds.flatMap((s) =>
      Array.from({ length: 50 }, (_, i) => ({
        startUs: 0,
        timeUs: T0_US + s * SECOND_US,
        attributes: { queue: `q${i}` },
        flags: 0,
        exemplars: [],
        value: s,
      })),
    ),
  };
}

/** Writes each batch of seconds in its own transaction, as requests come. */
function writeAll(db: Db, batches: readonly (readonly number[])[]): void {
  const writer = new MetricWriter(db, new ResourceStore(db));
  const tx = db.transaction((seconds: readonly number[]) =>
    writer.write([{ resource: { attributes: { 'service.name': 'worker' } }, scope: { name: 's' }, items: [gauge(seconds)] }]),
  );
  for (const b of batches) tx(b);
}

/** Each block's bounds against the points it holds: min_ts ≤ every point's time ≤ max_ts, and no block without points. */
function blocksHoldTheirPoints(db: Db): void {
  const held = db
    .prepare(
      `SELECT p.id / ${POINT_BLOCK_IDS} AS block, min(p.ts) AS oldest, max(p.ts) AS newest, b.min_ts, b.max_ts
       FROM metric_points p LEFT JOIN metric_point_blocks b ON b.block = p.id / ${POINT_BLOCK_IDS} GROUP BY 1`,
    )
    .all() as { block: number; oldest: number; newest: number; min_ts: number | null; max_ts: number | null }[];
  for (const h of held) {
    expect(h.min_ts, `block ${h.block}`).not.toBeNull();
    expect(h.min_ts!).toBeLessThanOrEqual(h.oldest);
    expect(h.max_ts!).toBeGreaterThanOrEqual(h.newest);
  }
  expect(db.prepare('SELECT count(*) FROM metric_point_blocks').pluck().get()).toBe(held.length);
}

describe('metric retention by id blocks', () => {
  it('deletes exactly the points older than the cutoff, late and backfilled ones included, over several blocks', () => {
    const db = openDatabase(join(dir, 'loupe.db'));
    try {
      // 3,000 seconds × 50 series = 150k points (3 blocks), in order but for a point 20 minutes
      // late every 100 seconds, then a backfill of an hour before everything.
      const batches: number[][] = [];
      for (let s = 3600; s < 6600; s += 10) {
        const batch = Array.from({ length: 10 }, (_, k) => s + k);
        if (s % 100 === 0) batch.push(s - 1200);
        batches.push(batch);
      }
      batches.push(Array.from({ length: 60 }, (_, k) => k * 60));
      writeAll(db, batches);
      expect(db.prepare('SELECT max(id) FROM metric_points').pluck().get()).toBeGreaterThan(2 * POINT_BLOCK_IDS);
      blocksHoldTheirPoints(db);

      const cutoffUs = T0_US + 5000 * SECOND_US;
      const kept = db.prepare('SELECT id FROM metric_points WHERE ts >= ? ORDER BY id').pluck().all(cutoffUs);
      const older = db.prepare('SELECT count(*) FROM metric_points WHERE ts < ?').pluck().get(cutoffUs) as number;
      const pruner = new MetricPruner(db);
      let deleted = 0;
      for (let n = pruner.pruneOlderThan(cutoffUs); n > 0; n = pruner.pruneOlderThan(cutoffUs)) deleted += n;
      expect(deleted).toBe(older);
      expect(db.prepare('SELECT id FROM metric_points ORDER BY id').pluck().all()).toEqual(kept);
      blocksHoldTheirPoints(db);
      // Nothing is older any more: a second pass finds nothing (the bounds were narrowed, not left pointing at old data).
      expect(pruner.pruneOlderThan(cutoffUs)).toBe(0);
      expect(db.prepare('SELECT min(min_ts) FROM metric_point_blocks').pluck().get()).toBeGreaterThanOrEqual(cutoffUs);

      // Past every point: all go, and their blocks with them.
      while (pruner.pruneOlderThan(T0_US + 10_000 * SECOND_US) > 0);
      expect(db.prepare('SELECT count(*) FROM metric_points').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM metric_point_blocks').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('goes past a block whose bounds are wider than its points (a write across two blocks)', () => {
    const db = openDatabase(join(dir, 'loupe.db'));
    try {
      const inOrder = (from: number, batches: number): number[][] =>
        Array.from({ length: batches }, (_, b) => Array.from({ length: 10 }, (_, k) => from + b * 10 + k));
      // 65,500 new points; then a write of 50 new and 50 old points (ids 65,501-65,600) across the
      // first block's end: the first block's bounds take the old time though it holds none. Then
      // 66,000 new points and 50 old ones in the third block, older than the cutoff but newer than
      // the first write's old ones.
      writeAll(db, [...inOrder(5000, 131), [7000, 100], ...inOrder(8000, 132), [500]]);
      expect(
        db
          .prepare('SELECT min(id) FROM metric_points WHERE ts = ?')
          .pluck()
          .get(T0_US + 500 * SECOND_US),
      ).toBeGreaterThan(2 * POINT_BLOCK_IDS);
      const cutoffUs = T0_US + 1000 * SECOND_US;
      const pruner = new MetricPruner(db);
      let deleted = 0;
      for (let n = pruner.pruneOlderThan(cutoffUs); n > 0; n = pruner.pruneOlderThan(cutoffUs)) deleted += n;
      expect(deleted).toBe(100);
      expect(db.prepare('SELECT count(*) FROM metric_points WHERE ts < ?').pluck().get(cutoffUs)).toBe(0);
      blocksHoldTheirPoints(db);
    } finally {
      db.close();
    }
  });

  it('over the size limit, deletes the oldest points by arrival and the blocks left empty', () => {
    const db = openDatabase(join(dir, 'loupe.db'));
    try {
      writeAll(
        db,
        Array.from({ length: 150 }, (_, b) => Array.from({ length: 10 }, (_, k) => b * 10 + k)),
      );
      const pruner = new MetricPruner(db);
      expect(pruner.oldestUs()).toBe(T0_US);
      const ids = db.prepare('SELECT id FROM metric_points ORDER BY id').pluck().all() as number[];
      let deleted = 0;
      while (deleted < 70_000) deleted += pruner.pruneOldest(1e9);
      expect(db.prepare('SELECT id FROM metric_points ORDER BY id').pluck().all()).toEqual(ids.slice(deleted));
      expect(pruner.oldestUs()).toBe(db.prepare('SELECT ts FROM metric_points WHERE id = ?').pluck().get(ids[deleted]));
      blocksHoldTheirPoints(db);
    } finally {
      db.close();
    }
  });

  it('gives a database written before migration 12 the blocks of its points', () => {
    const path = join(dir, 'loupe.db');
    const old = newDatabase(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 11)) {
      old.exec(m.up);
      old.pragma(`user_version = ${m.version}`);
    }
    old.prepare("INSERT INTO metric_series (id, hash, name, type, temporality, monotonic) VALUES (1, 'h', 'g', 'gauge', 0, 0)").run();
    const insert = old.prepare('INSERT INTO metric_points (id, series_id, ts, value) VALUES (?, 1, ?, 1)');
    for (const [id, ts] of [
      [1, 500],
      [2, 100],
      [POINT_BLOCK_IDS + 5, 900],
    ]) {
      insert.run(id, ts);
    }
    old.close();
    const db = openDatabase(path);
    try {
      expect(db.prepare('SELECT block, min_ts, max_ts FROM metric_point_blocks ORDER BY block').all()).toEqual([
        { block: 0, min_ts: 100, max_ts: 500 },
        { block: 1, min_ts: 900, max_ts: 900 },
      ]);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'metric_points_by_ts'").pluck().get()).toBe(0);
      const pruner = new MetricPruner(db);
      while (pruner.pruneOlderThan(600) > 0);
      expect(db.prepare('SELECT id FROM metric_points').pluck().all()).toEqual([POINT_BLOCK_IDS + 5]);
    } finally {
      db.close();
    }
  });
});
