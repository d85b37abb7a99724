// The samples of a rollup chunk (metric_rollups.samples, migration 9): the kept points of one
// series at one resolution, appended one record at a time. A chunk is read as one row, so a day of
// 1-minute samples is a few dozen rows, not 1,440. Record layout (little-endian):
//   u8 kind (0 a sum's value, 1 a classic histogram, 2 a histogram as JSON) · varint flags · f64 ts (µs)
//   kind 0: f64 value
//   kind 1: f64 count · f64 sum · varint bounds id · varint length · the counts (bucket-codec.ts)
//   kind 2: f64 count · f64 sum · varint length · the distribution's JSON (UTF-8)
// A missing number is NaN (what the reader makes of a NULL column anyway).
import type { PointRow } from './sqlite-series-store.js';

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
  // Varints are read in place (no [value, next] pair per field: most samples are skipped).
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
    const ts = blob.readDoubleLE(at);
    at += 8;
    if (kind === 0) {
      if (wanted(ts)) {
        const value = blob.readDoubleLE(at);
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
      count: blob.readDoubleLE(numbersAt),
      sum: blob.readDoubleLE(numbersAt + 8),
      distribution: kind === 2 ? body.toString() : null,
      bounds_id: boundsId,
      bucket_counts: kind === 1 ? body : null,
      flags,
    });
  }
}
