// A page's cursor through stored and pending records (pending: parsed from the files' bytes not
// stored yet, unread-files.ts). Stored records are ordered by id, pending ones by time: both are
// times, so one order holds them, and the cursor says where in it the next page starts.
import { BadRequestError } from '../../core/errors.js';
import type { LogRow } from './rows.js';

/**
 * Where the next page starts: after a stored record its id (`"<id>"`), after a pending one its
 * time, file id and offset (`"<ts>.<fileId>.<offset>"`): the order is by id or time, newest first,
 * the stored record first at the same key, then pending ones by file id and offset, both down.
 */
export interface PendingCursor {
  ts: number;
  /** Null after a stored record: every pending record at `ts` is still to come. */
  at: { fileId: number; offset: number } | null;
}

/** The page order, newest first: by key, then the stored record, then pending ones by file id and offset, both down. */
export function newestFirst(a: PendingCursor, b: PendingCursor): number {
  if (a.ts !== b.ts) return b.ts - a.ts;
  if (a.at === null) return -1;
  if (b.at === null) return 1;
  return b.at.fileId - a.at.fileId || b.at.offset - a.at.offset;
}

/** The cursor of the page after the one ending at `last` (what parseCursor reads back). */
export function cursorAfter(last: PendingCursor): string {
  return last.at === null ? String(last.ts) : `${last.ts}.${last.at.fileId}.${last.at.offset}`;
}

export function parseCursor(cursor: string): PendingCursor {
  const parts = cursor.split('.').map(Number);
  const [ts, fileId, offset] = parts;
  if (ts !== undefined && Number.isSafeInteger(ts)) {
    if (parts.length === 1) return { ts, at: null };
    if (parts.length === 3 && Number.isSafeInteger(fileId) && Number.isSafeInteger(offset)) {
      return { ts, at: { fileId: fileId!, offset: offset! } };
    }
  }
  throw new BadRequestError(`cursor: "${cursor}" is not a cursor this API gave out`);
}

/** The pending records a page may hold: up to `to`, and past the cursor (at its time: see PendingCursor). */
export function pendingBelow(cursor: string | undefined, to: number): PendingCursor {
  if (cursor === undefined || cursor === '') return { ts: to, at: null };
  const c = parseCursor(cursor);
  return c.ts > to ? { ts: to, at: null } : c;
}

export function isBelow(row: LogRow, offset: number, below: PendingCursor): boolean {
  if (row.ts !== below.ts || below.at === null) return row.ts <= below.ts;
  const fileId = row.file_id ?? 0;
  return fileId < below.at.fileId || (fileId === below.at.fileId && offset < below.at.offset);
}
