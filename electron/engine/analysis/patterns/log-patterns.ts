// Log patterns: every stored message goes through the Drain miner as the `logs.stored` batches
// arrive; a batch's changes (new and generalised templates, counts per minute, levels, sources)
// are written in one transaction, at most once a second. The miner holds at most `maxTemplates` templates; the
// least recently matched goes first (its row stays, marked evicted, and is counted in the status).
// A template whose first message was at warn or worse is told as `analysis.newPattern`.
import { LEVELS, LEVEL_BASE } from '../../../../shared/severity.js';
import type { PatternsView, PatternView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../core/database.js';
import { BadRequestError } from '../../core/errors.js';
import { lastProcessStartUs } from '../../core/resource-store.js';
import type { EventBus } from '../../core/events.js';
import type { StoredBatch } from '../../signals/logs/log-writer.js';
import type { LogReader } from '../../signals/logs/log-reader.js';
import { levelIndexOf, minuteOf, MINUTE_US } from '../../signals/logs/rollup.js';
import { Drain, templateRegex, type Template } from './drain.js';

/** The default cap on the templates the miner holds (a few MB at most). */
export const DEFAULT_MAX_TEMPLATES = 5000;
/** How many of a search's newest matches patterns.list counts, per period. */
export const PATTERN_SAMPLE = 20_000;
const MAX_LISTED = 10;
const HOUR_US = 3_600_000_000;
const SAMPLE_CHARS = 500;
/**
 * Batches are written together at most this often (and by the engine's flush job after the last
 * one): a commit per batch would add its pages to the WAL each time, megabytes over a burst.
 */
export const FLUSH_EVERY_MS = 1000;

/** What `analysis.newPattern` carries. */
export interface NewPatternEvent {
  id: number;
  template: string;
  /** The level of the message that started it (warn, error or fatal). */
  level: string;
  sample: string;
  logId: number;
  service: string | null;
  sourceId: number | null;
  time: string;
}

declare module '../../core/events.js' {
  interface EngineEvents {
    /** A template never seen before was mined from a message at warn or worse (for alert rules). */
    'analysis.newPattern': NewPatternEvent;
  }
}

interface MinedTemplate extends Template {
  count: number;
  firstSeen: number;
  lastSeen: number;
  levels: number;
  maxSeverity: number;
  services: string[];
  sourceIds: number[];
  sample: string;
  sampleLogId: number | null;
  /** Not written yet (a new row), or written and changed since (count, template…). */
  state: 'new' | 'dirty' | 'clean';
  /** Messages since the last write, per minute. */
  pending: Map<number, number>;
}

interface PatternRow {
  id: number;
  template: string;
  first_seen: number;
  last_seen: number;
  count: number;
  levels: number;
  max_severity: number;
  services: string;
  source_ids: string;
  sample: string;
  sample_log_id: number | null;
}

export interface PatternListParams {
  q?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  buckets?: number | undefined;
  limit?: number | undefined;
  sort?: 'count' | 'change' | undefined;
  /** A template is new when first seen at or after this (µs; default: the range's start). */
  since?: number | undefined;
  /** …or since the last start of this service's process (core/resource-store.ts `lastProcessStartUs`). */
  sinceStartOf?: string | undefined;
}

export class LogPatterns {
  private readonly drain: Drain<MinedTemplate>;
  private nextId: number;
  private evictedCount = 0;
  /** Templates touched since the last write. */
  private readonly touched = new Set<MinedTemplate>();
  private readonly evictedIds: number[] = [];
  private readonly newWarn: NewPatternEvent[] = [];
  private flushedAtMs = 0;
  private readonly writeTx;

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly reader: LogReader,
    private readonly sourcePath: (id: number) => string | undefined,
    maxTemplates = DEFAULT_MAX_TEMPLATES,
  ) {
    this.nextId = ((db.prepare('SELECT max(id) FROM log_patterns').pluck().get() as number | null) ?? 0) + 1;
    this.drain = new Drain<MinedTemplate>(maxTemplates, (tokens) => ({
      id: this.nextId++,
      tokens,
      count: 0,
      firstSeen: 0,
      lastSeen: 0,
      levels: 0,
      maxSeverity: 0,
      services: [],
      sourceIds: [],
      sample: '',
      sampleLogId: null,
      state: 'new',
      pending: new Map(),
    }));
    // The most recently seen templates come back into the miner, oldest first (so the cap keeps the newest).
    const rows = db
      .prepare('SELECT * FROM (SELECT * FROM log_patterns WHERE evicted = 0 ORDER BY last_seen DESC LIMIT ?) ORDER BY last_seen')
      .all(maxTemplates) as PatternRow[];
    for (const r of rows) {
      this.drain.add({
        id: r.id,
        tokens: r.template.split(' '),
        count: r.count,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        levels: r.levels,
        maxSeverity: r.max_severity,
        services: JSON.parse(r.services) as string[],
        sourceIds: JSON.parse(r.source_ids) as number[],
        sample: r.sample,
        sampleLogId: r.sample_log_id,
        state: 'clean',
        pending: new Map(),
      });
    }
    this.evictedCount = db.prepare('SELECT count(*) FROM log_patterns WHERE evicted = 1').pluck().get() as number;
    const insert = db.prepare(
      `INSERT INTO log_patterns (id, template, regex, first_seen, last_seen, count, levels, max_severity, services, source_ids, sample, sample_log_id)
       VALUES (@id, @template, @regex, @firstSeen, @lastSeen, @count, @levels, @maxSeverity, @services, @sourceIds, @sample, @sampleLogId)`,
    );
    const update = db.prepare(
      `UPDATE log_patterns SET template = @template, regex = @regex, first_seen = @firstSeen, last_seen = @lastSeen, count = @count,
         levels = @levels, max_severity = @maxSeverity, services = @services, source_ids = @sourceIds WHERE id = @id`,
    );
    const addCount = db.prepare(
      `INSERT INTO log_pattern_counts (pattern_id, minute, n) VALUES (?, ?, ?)
       ON CONFLICT (minute, pattern_id) DO UPDATE SET n = n + excluded.n`,
    );
    const markEvicted = db.prepare('UPDATE log_patterns SET evicted = 1 WHERE id = ?');
    this.writeTx = db.transaction(() => {
      for (const t of this.touched) {
        const row = {
          id: t.id,
          template: t.tokens.join(' '),
          regex: templateRegex(t.tokens),
          firstSeen: t.firstSeen,
          lastSeen: t.lastSeen,
          count: t.count,
          levels: t.levels,
          maxSeverity: t.maxSeverity,
          services: JSON.stringify(t.services),
          sourceIds: JSON.stringify(t.sourceIds),
          sample: t.sample,
          sampleLogId: t.sampleLogId,
        };
        if (t.state === 'new') insert.run(row);
        else update.run(row);
        for (const [minute, n] of t.pending) addCount.run(t.id, minute, n);
      }
      // After the rows: a template made and dropped within one batch has its row to mark.
      for (const id of this.evictedIds) markEvicted.run(id);
    });
  }

  get status(): { templates: number; maxTemplates: number; evicted: number } {
    return { templates: this.drain.size, maxTemplates: this.drain.maxTemplates, evicted: this.evictedCount };
  }

  /** Mine a stored batch and write what changed. */
  observe(batch: StoredBatch): void {
    const { records, ids } = batch;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const mined = this.drain.mine(r.message);
      if (mined === undefined) continue;
      const t = mined.template;
      if (mined.created) {
        t.firstSeen = r.ts;
        const nl = r.message.indexOf('\n');
        t.sample = (nl === -1 ? r.message : r.message.slice(0, nl)).slice(0, SAMPLE_CHARS);
        t.sampleLogId = ids[i] ?? null;
        if (r.severity >= LEVEL_BASE.warn) {
          this.newWarn.push({
            id: t.id,
            template: t.tokens.join(' '),
            level: LEVELS[levelIndexOf(r.severity)] ?? 'warn',
            sample: t.sample,
            logId: ids[i] ?? 0,
            service: r.service ?? null,
            sourceId: r.sourceId,
            time: usToRfc3339(r.ts),
          });
        }
      } else if (t.state === 'clean') t.state = 'dirty';
      if (mined.evicted) {
        this.evictedCount++;
        this.evictedIds.push(mined.evicted.id);
        // Its last counts still go to its row.
        if (mined.evicted.state !== 'clean') this.touched.add(mined.evicted);
      }
      t.count++;
      if (r.ts > t.lastSeen) t.lastSeen = r.ts;
      if (r.ts < t.firstSeen) t.firstSeen = r.ts;
      t.levels |= 1 << levelIndexOf(r.severity);
      if (r.severity > t.maxSeverity) t.maxSeverity = r.severity;
      if (r.service !== undefined && t.services.length < MAX_LISTED && !t.services.includes(r.service)) t.services.push(r.service);
      if (r.sourceId !== null && t.sourceIds.length < MAX_LISTED && !t.sourceIds.includes(r.sourceId)) t.sourceIds.push(r.sourceId);
      const minute = minuteOf(r.ts);
      t.pending.set(minute, (t.pending.get(minute) ?? 0) + 1);
      this.touched.add(t);
    }
    if (this.clock.nowMs() - this.flushedAtMs >= FLUSH_EVERY_MS) this.flush();
  }

  /** Write what the batches since the last write changed, then tell the new warn+ templates. */
  flush(): void {
    this.flushedAtMs = this.clock.nowMs();
    if (this.touched.size === 0 && this.evictedIds.length === 0) return;
    // A failed write (a full disk) keeps all of it for the next batch: nothing is marked written before the commit.
    this.writeTx();
    for (const t of this.touched) {
      t.state = 'clean';
      t.pending.clear();
    }
    this.touched.clear();
    this.evictedIds.length = 0;
    for (const e of this.newWarn.splice(0)) this.events.emit('analysis.newPattern', e);
  }

  list(p: PatternListParams): PatternsView {
    this.flush();
    const to = p.to ?? this.clock.nowUs();
    const from = p.from ?? to - HOUR_US;
    if (from > to) throw new BadRequestError('from: the range starts after it ends');
    const buckets = p.buckets ?? 30;
    if (!(buckets >= 1 && buckets <= 500)) throw new BadRequestError('buckets: between 1 and 500');
    const limit = p.limit ?? 100;
    if (p.since !== undefined && p.sinceStartOf !== undefined) throw new BadRequestError('since, sinceStartOf: give one of them, not both');
    let since = p.since ?? from;
    let sinceUnknown: string | undefined;
    if (p.sinceStartOf !== undefined) {
      const started = lastProcessStartUs(this.db, p.sinceStartOf);
      if (started === undefined) sinceUnknown = `no process seen for ${p.sinceStartOf}`;
      else since = started;
    }
    const prevFrom = from - (to - from) - 1;
    const width = Math.max(1, Math.ceil((to - from + 1) / buckets));
    const counts = new Map<number, { count: number; previous: number; sparkline: number[] }>();
    const entry = (id: number): { count: number; previous: number; sparkline: number[] } => {
      let e = counts.get(id);
      if (!e) counts.set(id, (e = { count: 0, previous: 0, sparkline: new Array<number>(buckets).fill(0) }));
      return e;
    };
    const add = (id: number, ts: number, n: number): void => {
      const e = entry(id);
      if (ts >= from) {
        e.count += n;
        const b = Math.floor((ts - from) / width);
        if (b >= 0 && b < buckets) e.sparkline[b]! += n;
      } else e.previous += n;
    };
    let sampled: number | null = null;
    let complete = true;
    const q = p.q?.trim() ?? '';
    if (q === '') {
      // Whole minutes: a range inside a minute counts that minute.
      const rows = this.db
        .prepare('SELECT pattern_id, minute, n FROM log_pattern_counts WHERE minute >= ? AND minute <= ?')
        .all(minuteOf(prevFrom), to) as { pattern_id: number; minute: number; n: number }[];
      for (const r of rows) add(r.pattern_id, r.minute + MINUTE_US > from ? Math.max(r.minute, from) : r.minute, r.n);
    } else {
      // A search: its newest matches in each period, each matched to its template without learning.
      sampled = 0;
      for (const [lo, hi] of [
        [from, to],
        [prevFrom, from - 1],
      ] as const) {
        const rows = this.reader.searchRows({ q, from: lo, to: hi }, PATTERN_SAMPLE);
        if (rows.length >= PATTERN_SAMPLE) complete = false;
        sampled += rows.length;
        for (const r of rows) {
          const t = this.drain.match(r.message);
          if (t) add(t.id, r.ts, 1);
        }
      }
    }
    const ids = [...counts.entries()].filter(([, c]) => c.count > 0).map(([id]) => id);
    const rows = new Map<number, PatternRow>();
    const get = this.db.prepare('SELECT * FROM log_patterns WHERE id = ?');
    for (const id of ids) {
      const r = get.get(id) as PatternRow | undefined;
      if (r) rows.set(id, r);
    }
    const patterns: PatternView[] = [];
    for (const [id, r] of rows) {
      const c = counts.get(id)!;
      const live = this.drain.get(id);
      patterns.push({
        id,
        template: live ? live.tokens.join(' ') : r.template,
        count: c.count,
        previousCount: c.previous,
        isNew: r.first_seen >= since,
        firstSeen: usToRfc3339(r.first_seen),
        lastSeen: usToRfc3339(live ? live.lastSeen : r.last_seen),
        sparkline: c.sparkline,
        levels: LEVELS.filter((_, i) => ((live ? live.levels : r.levels) & (1 << i)) !== 0),
        services: live ? live.services : (JSON.parse(r.services) as string[]),
        sources: (live ? live.sourceIds : (JSON.parse(r.source_ids) as number[])).map((s) => this.sourcePath(s) ?? `source ${s}`),
        sample: r.sample,
        sampleLogId: r.sample_log_id,
      });
    }
    const change = (v: PatternView): number => (v.count - v.previousCount) / Math.max(1, v.previousCount);
    patterns.sort((a, b) => (p.sort === 'change' ? change(b) - change(a) : 0) || b.count - a.count || a.id - b.id);
    return {
      patterns: patterns.slice(0, limit),
      sampled,
      complete,
      since: sinceUnknown === undefined ? usToRfc3339(since) : null,
      ...(sinceUnknown !== undefined ? { sinceUnknown } : {}),
      ...this.status,
    };
  }

  /** Delete per-minute counts older than the cutoff, and templates last seen before it that the miner dropped. */
  pruneOlderThan(cutoffUs: number): number {
    const counts = this.db
      .prepare(
        'DELETE FROM log_pattern_counts WHERE (minute, pattern_id) IN (SELECT minute, pattern_id FROM log_pattern_counts WHERE minute < ? LIMIT 5000)',
      )
      .run(minuteOf(cutoffUs)).changes;
    const rows = this.db.prepare('DELETE FROM log_patterns WHERE evicted = 1 AND last_seen < ?').run(cutoffUs).changes;
    return counts + rows;
  }

  oldestUs(): number | null {
    const m = this.db.prepare('SELECT min(minute) FROM log_pattern_counts').pluck().get() as number | null;
    return m === null ? null : m;
  }
}
