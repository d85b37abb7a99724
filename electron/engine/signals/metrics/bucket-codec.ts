// The compact form of a classic histogram's buckets in metric_points/metric_rollups (migration 9):
// per-bucket counts as unsigned LEB128 varints in a BLOB, the bounds stored once per distinct set
// in metric_bounds. Reading a point is then a short loop over bytes, not a JSON.parse.
import type { Db } from '../../core/database.js';
import { formatValue } from './promql/index.js';

/** Counts as varints; null when one is not a non-negative safe integer (the point keeps its JSON). */
export function encodeCounts(counts: readonly unknown[]): Buffer | null {
  const bytes: number[] = [];
  for (const c of counts) {
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) return null;
    // Division, not >>>: counts go past 2^32.
    let v = c;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
  }
  return Buffer.from(bytes);
}

/**
 * The counts a BLOB of encodeCounts holds, into `out` (grown as needed); returns how many. The BLOB
 * may come as SQLite's hex() of it: a string costs far less to read out of SQLite than a Buffer.
 */
export function decodeCounts(blob: Uint8Array | string, out: number[]): number {
  // One loop per form, neither asking which form at each byte.
  return typeof blob === 'string' ? decodeHexCounts(blob, out) : decodeByteCounts(blob, out);
}

function decodeByteCounts(blob: Uint8Array, out: number[]): number {
  let n = 0;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < blob.length; i++) {
    const b = blob[i]!;
    if (b < 0x80) {
      out[n++] = v + b * scale;
      v = 0;
      scale = 1;
    } else {
      v += (b & 0x7f) * scale;
      scale *= 0x80;
    }
  }
  return n;
}

function decodeHexCounts(hex: string, out: number[]): number {
  let n = 0;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < hex.length; i += 2) {
    const b = (nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1));
    if (b < 0x80) {
      out[n++] = v + b * scale;
      v = 0;
      scale = 1;
    } else {
      v += (b & 0x7f) * scale;
      scale *= 0x80;
    }
  }
  return n;
}

/** A hex digit's value (hex() writes upper case). */
function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** A bound set as the reader uses it: the bounds and their `le` label values (+Inf last). */
export interface BoundSet {
  readonly id: number;
  readonly bounds: readonly number[];
  readonly les: readonly string[];
}

/** metric_bounds, both ways, cached: bound sets are few and never change. */
export class BoundSets {
  private readonly ids = new Map<string, number>();
  /** The last bound set asked for and its id: the points of a request mostly share one (no JSON then). */
  private last: { bounds: readonly number[]; id: number } | null = null;
  private readonly sets = new Map<number, BoundSet>();
  private readonly find;
  private readonly insert;
  private readonly byId;

  constructor(db: Db) {
    this.find = db.prepare('SELECT id FROM metric_bounds WHERE bounds = ?').pluck();
    this.insert = db.prepare('INSERT INTO metric_bounds (bounds) VALUES (?)');
    this.byId = db.prepare('SELECT bounds FROM metric_bounds WHERE id = ?').pluck();
  }

  /** The id of a bound set, stored on first sight (inside the caller's transaction). */
  idOf(bounds: readonly number[]): number {
    const last = this.last;
    if (last && sameNumbers(last.bounds, bounds)) return last.id;
    const json = JSON.stringify(bounds);
    let id = this.ids.get(json);
    if (id === undefined) {
      id = (this.find.get(json) as number | undefined) ?? Number(this.insert.run(json).lastInsertRowid);
      this.ids.set(json, id);
    }
    // A copy: the caller may reuse its array for other bounds.
    this.last = { bounds: [...bounds], id };
    return id;
  }

  /** Forget the ids of bound sets written (their transaction may have been rolled back). */
  clearCache(): void {
    this.ids.clear();
    this.last = null;
  }

  get(id: number): BoundSet {
    let set = this.sets.get(id);
    if (!set) {
      const json = this.byId.get(id) as string | undefined;
      if (json === undefined) throw new Error(`metric_bounds has no bound set ${id}`);
      const bounds = JSON.parse(json) as number[];
      set = { id, bounds, les: [...bounds, Infinity].map(formatValue) };
      this.sets.set(id, set);
    }
    return set;
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
