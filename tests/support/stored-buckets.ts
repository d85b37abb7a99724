// A classic histogram point's buckets as the metric writer stores them since migration 6 (the
// bounds in metric_bounds, the counts as varints: bucket-codec.ts), for tests that read the tables.
import type { Db } from '../../electron/engine/core/database.js';
import { decodeCounts } from '../../electron/engine/signals/metrics/bucket-codec.js';

export interface StoredBucketColumns {
  bounds_id: number | null;
  bucket_counts: Uint8Array | null;
}

export function storedBuckets(db: Db, point: StoredBucketColumns): { bounds: number[]; counts: number[] } | null {
  if (point.bounds_id === null || point.bucket_counts === null) return null;
  const bounds = JSON.parse(db.prepare('SELECT bounds FROM metric_bounds WHERE id = ?').pluck().get(point.bounds_id) as string) as number[];
  const counts: number[] = [];
  decodeCounts(point.bucket_counts, counts);
  return { bounds, counts };
}
