// Error groups (Sentry's Issues, locally): each error occurrence joins the group of its
// fingerprint, in SQLite (migration 009), as the `logs.stored` / `spans.stored` batches arrive; a
// group seen for the first time, or re-opened after it was resolved, is told on the event bus as
// `analysis.errorGroup` (an ignored one never is). Resolve, ignore and merge; the views the API
// answers with.
import type {
  ErrorFrameView,
  ErrorGroupDetailView,
  ErrorGroupStatus,
  ErrorGroupView,
  ErrorOccurrenceView,
} from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../core/database.js';
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { fingerprintOf } from './fingerprint.js';
import type { ErrorOccurrence } from './occurrences.js';

/** What `analysis.errorGroup` carries: the group as listed, and why it is told. */
export interface ErrorGroupEvent {
  kind: 'new' | 'regressed';
  group: { id: number; title: string; type: string; message: string; services: string[]; status: ErrorGroupStatus };
  /** The occurrence that made it new or regressed. */
  occurrence: { time: string; logId: number | null; traceId: string | null; spanId: string | null; service: string | null };
}

declare module '../../core/events.js' {
  interface EngineEvents {
    /**
     * An error group was seen for the first time (`new`) or re-opened by a new occurrence after it
     * was marked resolved (`regressed`). Never for ignored groups. For alert rules ("new error in
     * checkout: KeyError 'currency'"); told once per group per batch, after the batch committed.
     */
    'analysis.errorGroup': ErrorGroupEvent;
  }
}

/** How many services and sources a group lists. */
const MAX_LISTED = 20;
const RECENT_OCCURRENCES = 20;
const DAY_US = 86_400_000_000;

interface GroupRow {
  id: number;
  fingerprint: string;
  type: string;
  message: string;
  status: ErrorGroupStatus;
  merged_into: number | null;
  first_seen: number;
  last_seen: number;
  count: number;
  resolved_at: number | null;
  regressed_at: number | null;
  services: string;
  source_ids: string;
  frames: string;
  traceback: string | null;
}

interface OccurrenceRow {
  ts: number;
  log_id: number | null;
  trace_id: string | null;
  span_id: string | null;
  service: string | null;
  source_id: number | null;
}

export interface RangeParams {
  from?: number | undefined;
  to?: number | undefined;
  buckets?: number | undefined;
}

function addCapped<T>(json: string, values: Iterable<T | null>): string {
  const list = JSON.parse(json) as T[];
  for (const v of values) if (v !== null && !list.includes(v) && list.length < MAX_LISTED) list.push(v);
  return JSON.stringify(list);
}

export function titleOf(type: string, message: string): string {
  return message.length > 0 ? `${type}: ${message}` : type;
}

export class ErrorGroups {
  private readonly byFingerprint;
  private readonly byId;
  private readonly insertGroup;
  private readonly updateGroup;
  private readonly insertOccurrence;

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly clock: Clock,
    /** A source's path by id (for the views). */
    private readonly sourcePath: (id: number) => string | undefined,
  ) {
    this.byFingerprint = db.prepare('SELECT * FROM error_groups WHERE fingerprint = ?');
    this.byId = db.prepare('SELECT * FROM error_groups WHERE id = ?');
    this.insertGroup = db.prepare(
      `INSERT INTO error_groups (fingerprint, type, message, first_seen, last_seen, count, services, source_ids, frames, traceback)
       VALUES (@fingerprint, @type, @message, @ts, @ts, 0, '[]', '[]', '[]', NULL) RETURNING *`,
    );
    this.updateGroup = db.prepare(
      `UPDATE error_groups SET message = @message, status = @status, last_seen = max(last_seen, @last), first_seen = min(first_seen, @first),
         count = count + @n, resolved_at = @resolved_at, regressed_at = @regressed_at, services = @services, source_ids = @source_ids,
         frames = @frames, traceback = coalesce(@traceback, traceback)
       WHERE id = @id`,
    );
    this.insertOccurrence = db.prepare(
      'INSERT INTO error_occurrences (group_id, ts, log_id, trace_id, span_id, service, source_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Join each occurrence to its group, in one transaction; then tell the new and regressed groups. */
  record(occurrences: readonly ErrorOccurrence[]): void {
    if (occurrences.length === 0) return;
    const told: ErrorGroupEvent[] = [];
    this.db.transaction(() => {
      // Occurrences of one group in a batch update its row once.
      const batch = new Map<number, { row: GroupRow; items: ErrorOccurrence[]; created: boolean }>();
      for (const o of occurrences) {
        const fp = fingerprintOf(o.type, o.root, o.message).hash;
        let row = this.byFingerprint.get(fp) as GroupRow | undefined;
        let created = false;
        if (row === undefined) {
          row = this.insertGroup.get({ fingerprint: fp, type: o.type, message: o.message, ts: o.ts }) as GroupRow;
          created = true;
        }
        // A merged group's fingerprint leads to the group that took it over.
        for (let hops = 0; row.merged_into !== null && hops < 10; hops++) row = this.byId.get(row.merged_into) as GroupRow;
        const entry = batch.get(row.id) ?? { row, items: [], created };
        entry.items.push(o);
        batch.set(row.id, entry);
      }
      for (const { row, items, created } of batch.values()) {
        const newest = items.reduce((a, b) => (b.ts >= a.ts ? b : a));
        let status = row.status;
        let regressedAt = row.regressed_at;
        let resolvedAt = row.resolved_at;
        const regressed = status === 'resolved' && newest.ts > (row.resolved_at ?? 0);
        if (regressed) {
          status = 'unresolved';
          regressedAt = newest.ts;
          resolvedAt = null;
        }
        for (const o of items) this.insertOccurrence.run(row.id, o.ts, o.logId, o.traceId, o.spanId, o.service, o.sourceId);
        const frames = newest.root?.frames ?? [];
        const isNewest = newest.ts >= row.last_seen;
        this.updateGroup.run({
          id: row.id,
          message: isNewest ? newest.message : row.message,
          status,
          first: Math.min(...items.map((o) => o.ts)),
          last: newest.ts,
          n: items.length,
          resolved_at: resolvedAt,
          regressed_at: regressedAt,
          services: addCapped(
            row.services,
            items.map((o) => o.service),
          ),
          source_ids: addCapped(
            row.source_ids,
            items.map((o) => o.sourceId),
          ),
          frames: isNewest || created ? JSON.stringify(frames) : row.frames,
          traceback: isNewest ? newest.traceback : null,
        });
        if ((created || regressed) && status !== 'ignored') {
          const g = this.byId.get(row.id) as GroupRow;
          told.push({
            kind: created ? 'new' : 'regressed',
            group: {
              id: g.id,
              title: titleOf(g.type, g.message),
              type: g.type,
              message: g.message,
              services: JSON.parse(g.services) as string[],
              status: g.status,
            },
            occurrence: {
              time: usToRfc3339(newest.ts),
              logId: newest.logId,
              traceId: newest.traceId,
              spanId: newest.spanId,
              service: newest.service,
            },
          });
        }
      }
    })();
    for (const e of told) this.events.emit('analysis.errorGroup', e);
  }

  list(p: RangeParams & { status?: ErrorGroupStatus | undefined; limit?: number | undefined }): ErrorGroupView[] {
    const { from, to, buckets } = this.range(p);
    if (p.status === 'merged')
      throw new BadRequestError('status: merged groups are not listed; errors.get answers with the group they went into');
    const rows = this.db
      .prepare(
        `SELECT g.*, c.n AS in_range FROM error_groups g
         JOIN (SELECT group_id, count(*) AS n FROM error_occurrences WHERE ts >= ? AND ts <= ? GROUP BY group_id) c ON c.group_id = g.id
         WHERE g.status != 'merged' ${p.status ? 'AND g.status = ?' : ''}
         ORDER BY g.last_seen DESC LIMIT ?`,
      )
      .all(from, to, ...(p.status ? [p.status] : []), p.limit ?? 200) as (GroupRow & { in_range: number })[];
    return rows.map((r) => this.view(r, r.in_range, this.sparkline(r.id, from, to, buckets)));
  }

  get(id: number, p: RangeParams = {}): ErrorGroupDetailView {
    const row = this.resolveId(id);
    const { from, to, buckets } = this.range(p);
    const inRange = this.db
      .prepare('SELECT count(*) FROM error_occurrences WHERE group_id = ? AND ts >= ? AND ts <= ?')
      .pluck()
      .get(row.id, from, to) as number;
    const occ = (sql: string): ErrorOccurrenceView[] =>
      (this.db.prepare(sql).all(row.id) as OccurrenceRow[]).map((o) => this.occurrenceView(o));
    const cols = 'ts, log_id, trace_id, span_id, service, source_id';
    const recent = occ(`SELECT ${cols} FROM error_occurrences WHERE group_id = ? ORDER BY ts DESC, id DESC LIMIT ${RECENT_OCCURRENCES}`);
    const first = occ(`SELECT ${cols} FROM error_occurrences WHERE group_id = ? ORDER BY ts, id LIMIT 1`)[0] ?? null;
    return {
      ...this.view(row, inRange, this.sparkline(row.id, from, to, buckets)),
      frames: JSON.parse(row.frames) as ErrorFrameView[],
      traceback: row.traceback,
      first,
      newest: recent[0] ?? null,
      recent,
      query: `group:${row.id}`,
    };
  }

  resolve(id: number, resolved: boolean): ErrorGroupDetailView {
    const row = this.resolveId(id);
    if (resolved)
      this.db.prepare("UPDATE error_groups SET status = 'resolved', resolved_at = ? WHERE id = ?").run(this.clock.nowUs(), row.id);
    else this.db.prepare("UPDATE error_groups SET status = 'unresolved', resolved_at = NULL WHERE id = ?").run(row.id);
    return this.get(row.id);
  }

  ignore(id: number, ignored: boolean): ErrorGroupDetailView {
    const row = this.resolveId(id);
    this.db.prepare('UPDATE error_groups SET status = ?, resolved_at = NULL WHERE id = ?').run(ignored ? 'ignored' : 'unresolved', row.id);
    return this.get(row.id);
  }

  /** Group `fromId`'s occurrences move into `intoId`; its fingerprint leads there from now on. */
  merge(intoId: number, fromId: number): ErrorGroupDetailView {
    const into = this.resolveId(intoId);
    const from = this.resolveId(fromId);
    if (intoId === fromId) throw new BadRequestError(`A group cannot be merged into itself (${intoId}).`);
    // Asked again (a retry): it is done already.
    if (into.id === from.id) return this.get(into.id);
    this.db.transaction(() => {
      this.db.prepare('UPDATE error_occurrences SET group_id = ? WHERE group_id = ?').run(into.id, from.id);
      this.db
        .prepare(
          `UPDATE error_groups SET count = count + ?, first_seen = min(first_seen, ?), last_seen = max(last_seen, ?),
             services = ?, source_ids = ? WHERE id = ?`,
        )
        .run(
          from.count,
          from.first_seen,
          from.last_seen,
          addCapped(into.services, JSON.parse(from.services) as string[]),
          addCapped(into.source_ids, JSON.parse(from.source_ids) as number[]),
          into.id,
        );
      this.db
        .prepare("UPDATE error_groups SET status = 'merged', merged_into = ? WHERE id = ? OR merged_into = ?")
        .run(into.id, from.id, from.id);
    })();
    return this.get(into.id);
  }

  /** Delete occurrences older than the cutoff, a chunk at a time (the groups keep their totals). */
  pruneOlderThan(cutoffUs: number): number {
    return this.db
      .prepare('DELETE FROM error_occurrences WHERE id IN (SELECT id FROM error_occurrences WHERE ts < ? LIMIT 5000)')
      .run(cutoffUs).changes;
  }

  oldestUs(): number | null {
    return (this.db.prepare('SELECT min(ts) FROM error_occurrences').pluck().get() as number | null) ?? null;
  }

  /** The group of an id, following merges. */
  private resolveId(id: number): GroupRow {
    let row = this.byId.get(id) as GroupRow | undefined;
    for (let hops = 0; row?.merged_into != null && hops < 10; hops++) row = this.byId.get(row.merged_into) as GroupRow | undefined;
    if (row === undefined) throw new NotFoundError(`No error group with id ${id}.`);
    return row;
  }

  private range(p: RangeParams): { from: number; to: number; buckets: number } {
    const to = p.to ?? this.clock.nowUs();
    const from = p.from ?? to - DAY_US;
    if (from > to) throw new BadRequestError('from: the range starts after it ends');
    const buckets = p.buckets ?? 24;
    if (!(buckets >= 1 && buckets <= 500)) throw new BadRequestError('buckets: between 1 and 500');
    return { from, to, buckets };
  }

  private sparkline(groupId: number, from: number, to: number, buckets: number): number[] {
    const width = Math.max(1, Math.ceil((to - from + 1) / buckets));
    const out = new Array<number>(buckets).fill(0);
    const rows = this.db
      .prepare(
        'SELECT CAST((ts - ?) / ? AS INTEGER) AS b, count(*) AS n FROM error_occurrences WHERE group_id = ? AND ts >= ? AND ts <= ? GROUP BY b',
      )
      .all(from, width, groupId, from, to) as { b: number; n: number }[];
    for (const r of rows) if (r.b >= 0 && r.b < buckets) out[r.b] = r.n;
    return out;
  }

  private view(r: GroupRow, countInRange: number, sparkline: number[]): ErrorGroupView {
    return {
      id: r.id,
      title: titleOf(r.type, r.message),
      type: r.type,
      message: r.message,
      status: r.status,
      ...(r.merged_into !== null ? { mergedInto: r.merged_into } : {}),
      firstSeen: usToRfc3339(r.first_seen),
      lastSeen: usToRfc3339(r.last_seen),
      count: r.count,
      countInRange,
      sparkline,
      ...(r.regressed_at !== null ? { regressedAt: usToRfc3339(r.regressed_at) } : {}),
      services: JSON.parse(r.services) as string[],
      sources: (JSON.parse(r.source_ids) as number[]).map((id) => this.sourcePath(id) ?? `source ${id}`),
    };
  }

  private occurrenceView(o: OccurrenceRow): ErrorOccurrenceView {
    return {
      time: usToRfc3339(o.ts),
      logId: o.log_id,
      traceId: o.trace_id,
      spanId: o.span_id,
      service: o.service,
      source: o.source_id !== null ? (this.sourcePath(o.source_id) ?? null) : null,
    };
  }
}
