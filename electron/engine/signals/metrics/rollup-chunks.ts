// The samples of a rollup chunk (metric_rollups.samples, migration 9): the kept points of one
// series at one resolution, appended one record at a time. A chunk is read as one row, so a day of
// 1-minute samples is a few dozen rows, not 1,440. Record layout (little-endian):
//   u8 kind (0 a sum's value, 1 a classic histogram, 2 a histogram as JSON) · varint flags · f64 ts (µs)
//   kind 0: f64 value
//   kind 1: f64 count · f64 sum · varint bounds id · varint length · the counts (bucket-codec.ts)
//   kind 2: f64 count · f64 sum · varint length · the distribution's JSON (UTF-8)
// A missing number is NaN (what the reader makes of a NULL column anyway).
// Also the keeping itself (Rollups): which points of a series each resolution keeps, appended to
// its chunks once per batch (a write, a fold of the point log), not once per kept point.
import type { Db } from '../../core/database.js';
import type { PointRow } from './series-from-points.js';

/** Rollup resolutions, seconds (the `res` column of metric_rollups). */
export const ROLLUP_RESOLUTIONS = [60, 3600] as const;

/** Samples a chunk holds before the next kept point starts a new one (a chunk is rewritten on each append). */
export const CHUNK_SAMPLES = 120;

/** One kept point, as the writer holds it. */
export interface RollupSample {
  ts: number;
  flags: number;
  value: number | null;
  count: number | null;
  sum: number | null;
  boundsId: number | null;
  bucketCounts: Buffer | null;
  distribution: string | null;
}

const scratch = Buffer.alloc(64);

function putVarint(buf: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

/** The record of one sample. */
export function encodeSample(s: RollupSample): Buffer {
  const body = s.bucketCounts ?? (s.distribution === null ? null : Buffer.from(s.distribution));
  const kind = s.bucketCounts && s.boundsId !== null ? 1 : s.distribution !== null ? 2 : 0;
  scratch[0] = kind;
  let at = putVarint(scratch, 1, s.flags);
  at = scratch.writeDoubleLE(s.ts, at);
  if (kind === 0) return Buffer.from(scratch.subarray(0, scratch.writeDoubleLE(s.value ?? NaN, at)));
  at = scratch.writeDoubleLE(s.count ?? NaN, at);
  at = scratch.writeDoubleLE(s.sum ?? NaN, at);
  if (kind === 1) at = putVarint(scratch, at, s.boundsId!);
  at = putVarint(scratch, at, body!.length);
  return Buffer.concat([scratch.subarray(0, at), body!]);
}

/**
 * The samples of a chunk as the reader's rows, in time order: those whose time (µs) `wanted`
 * accepts (the others are skipped before any row is made: a long range at far-apart steps keeps
 * a few of them).
 */
export function decodeChunk(blob: Buffer, out: PointRow[], wanted: (ts: number) => boolean): void {
  // Varints are read in place (no [value, next] pair per field: most samples are skipped), and the
  // numbers through a DataView, which the compiler reads inline where Buffer's readDoubleLE copies
  // the 8 bytes one by one.
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = blob[at++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  };
  while (at < blob.length) {
    const kind = blob[at++]!;
    const flags = varint();
    const ts = view.getFloat64(at, true);
    at += 8;
    if (kind === 0) {
      if (wanted(ts)) {
        const value = view.getFloat64(at, true);
        out.push({ ts, value, int_value: null, count: null, sum: null, distribution: null, bounds_id: null, bucket_counts: null, flags });
      }
      at += 8;
      continue;
    }
    const numbersAt = at;
    at += 16;
    const boundsId = kind === 1 ? varint() : null;
    const length = varint();
    const bodyAt = at;
    at += length;
    if (!wanted(ts)) continue;
    const body = blob.subarray(bodyAt, at);
    out.push({
      ts,
      value: null,
      int_value: null,
      count: view.getFloat64(numbersAt, true),
      sum: view.getFloat64(numbersAt + 8, true),
      distribution: kind === 2 ? body.toString() : null,
      bounds_id: boundsId,
      bucket_counts: kind === 1 ? body : null,
      flags,
    });
  }
}

/** A point of a rolled-up series, as Rollups.add takes it. */
export interface RollupPoint extends RollupSample {
  /** The point's start time (µs), 0 when not sent. */
  startUs: number;
}

/** A series' newest point, the open slot of each resolution until a later slot (or a reset) closes it. */
interface OpenPoint extends RollupPoint {
  /** What a reset lowers: a sum's value, a histogram's count. */
  level: number;
  /** This point must be kept even if its slot gets a later one (it follows a reset). */
  pinned: boolean;
}

/** The chunk a series' kept points of one resolution are appended to. */
interface OpenChunk {
  startTs: number;
  samples: number;
}

/** The points a batch kept for one series at one resolution, not written yet. */
interface KeptRecords {
  ts: number[];
  records: Buffer[];
}

/**
 * The 1-minute and 1-hour rollups of the cumulative counters and histograms (migration 9): a
 * rollup keeps the last point of each slot, and the points on each side of every counter reset, so
 * the increases summed over rollup rows equal those over raw points. A series first seen here
 * (after a restart) keeps its first point too: what came before is not known. Older points than a
 * series' newest (out of order) are not rolled up. Points are added in a batch, in time order per
 * series, and flush() writes what the batch kept inside the caller's transaction: one chunk update
 * per series and resolution (a batch of the point log's fold keeps several points of each).
 */
export class Rollups {
  /**
   * Whether the open points and what is kept but not written follow the stored points. The point
   * log's Rollups (logRollups) starts without it if the log holds a previous run's points, and
   * loses it when a write fails: its next fold then rolls the whole log up from its points.
   */
  trusted = true;
  private readonly open = new Map<number, OpenPoint>();
  /** Per series, its open chunk per resolution (by index in ROLLUP_RESOLUTIONS). */
  private readonly chunks = new Map<number, (OpenChunk | null)[]>();
  /** Per series, per resolution, what the batch kept. */
  private readonly kept = new Map<number, (KeptRecords | null)[]>();
  private readonly newChunk;
  private readonly appendToChunk;

  constructor(db: Db) {
    this.newChunk = db.prepare('INSERT OR REPLACE INTO metric_rollups (series_id, res, start_ts, end_ts, samples) VALUES (?, ?, ?, ?, ?)');
    // || concatenates the bytes as text (the database is UTF-8: no conversion); the CAST keeps a BLOB.
    this.appendToChunk = db.prepare(
      'UPDATE metric_rollups SET samples = CAST(samples || ? AS BLOB), end_ts = ? WHERE series_id = ? AND res = ? AND start_ts = ?',
    );
  }

  /**
   * Starts a batch. What a batch left unwritten belonged to a transaction that failed, and the
   * open points it moved on may be rolled back: then all is forgotten.
   */
  begin(): void {
    if (this.kept.size > 0) this.clear();
  }

  /** The time (µs) of a series' newest point added (before it, add() ignores points), if any. */
  newestTs(seriesId: number): number | undefined {
    return this.open.get(seriesId)?.ts;
  }

  /**
   * Moves a series' open point on: the previous newest point is kept at each resolution whose
   * slot it closes, or at all of them on a reset (the value or count went down, or a new start
   * time), when it follows one, or when it was the first seen.
   */
  add(seriesId: number, p: RollupPoint): void {
    const prev = this.open.get(seriesId);
    if (prev && p.ts <= prev.ts) return;
    const level = p.count ?? p.value ?? 0;
    const reset = !prev || level < prev.level || (p.startUs > 0 && prev.startUs > 0 && p.startUs !== prev.startUs);
    if (!prev) {
      // A literal, not a spread of p: the objects of every series then share one shape (a spread made add() twice slower).
      const { ts, startUs, value, count, sum, boundsId, bucketCounts, distribution, flags } = p;
      this.open.set(seriesId, { ts, startUs, value, count, sum, boundsId, bucketCounts, distribution, flags, level, pinned: reset });
      return;
    }
    let record: Buffer | null = null;
    for (let i = 0; i < ROLLUP_RESOLUTIONS.length; i++) {
      const slotUs = ROLLUP_RESOLUTIONS[i]! * 1_000_000;
      if (reset || prev.pinned || Math.floor(prev.ts / slotUs) !== Math.floor(p.ts / slotUs)) {
        this.keep(seriesId, i, prev.ts, (record ??= encodeSample(prev)));
      }
    }
    // The previous point's object becomes the new one's (a series has one at a time).
    prev.ts = p.ts;
    prev.startUs = p.startUs;
    prev.value = p.value;
    prev.count = p.count;
    prev.sum = p.sum;
    prev.boundsId = p.boundsId;
    prev.bucketCounts = p.bucketCounts;
    prev.distribution = p.distribution;
    prev.flags = p.flags;
    prev.level = level;
    prev.pinned = reset;
  }

  private keep(seriesId: number, resIndex: number, ts: number, record: Buffer): void {
    let kept = this.kept.get(seriesId);
    if (!kept) this.kept.set(seriesId, (kept = ROLLUP_RESOLUTIONS.map(() => null)));
    const at = (kept[resIndex] ??= { ts: [], records: [] });
    at.ts.push(ts);
    at.records.push(record);
  }

  /** Writes what the batch kept: appended to each series' open chunk, new chunks past CHUNK_SAMPLES. */
  flush(): void {
    for (const [seriesId, kept] of this.kept) {
      let chunks = this.chunks.get(seriesId);
      if (!chunks) this.chunks.set(seriesId, (chunks = ROLLUP_RESOLUTIONS.map(() => null)));
      for (let i = 0; i < ROLLUP_RESOLUTIONS.length; i++) {
        const k = kept[i];
        if (k) this.write(seriesId, i, chunks, k);
      }
    }
    this.kept.clear();
  }

  private write(seriesId: number, resIndex: number, chunks: (OpenChunk | null)[], k: KeptRecords): void {
    const res = ROLLUP_RESOLUTIONS[resIndex]!;
    const bytes = (from: number, to: number): Buffer => (to - from === 1 ? k.records[from]! : Buffer.concat(k.records.slice(from, to)));
    let at = 0;
    while (at < k.ts.length) {
      const chunk = chunks[resIndex];
      if (chunk && chunk.samples < CHUNK_SAMPLES) {
        const to = Math.min(k.ts.length, at + CHUNK_SAMPLES - chunk.samples);
        // A chunk retention removed (a series silent for that long) is started again.
        if (this.appendToChunk.run(bytes(at, to), k.ts[to - 1]!, seriesId, res, chunk.startTs).changes > 0) {
          chunk.samples += to - at;
          at = to;
          continue;
        }
      }
      const to = Math.min(k.ts.length, at + CHUNK_SAMPLES);
      this.newChunk.run(seriesId, res, k.ts[at]!, k.ts[to - 1]!, bytes(at, to));
      chunks[resIndex] = { startTs: k.ts[at]!, samples: to - at };
      at = to;
    }
  }

  /** Forgets every series' open point and chunk (after a failed transaction, what they say may have been rolled back). */
  clear(): void {
    this.open.clear();
    this.chunks.clear();
    this.kept.clear();
  }
}
