// The engine opened to read only, for `loupe query` while a serve may be writing: the stored data
// through the read modules, as the API answers it, without what createEngine (engine.ts) starts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Method, Requests } from '../../shared/api.js';
import type { EngineApi } from './api/handlers.js';
import { NotFoundError } from './core/errors.js';
import { openDatabase, type Db } from './core/database.js';
import { systemClock } from './core/clock.js';
import { Scheduler } from './core/scheduler.js';
import { logsModule } from './modules/logs/module.js';
import { metricsModule } from './modules/metrics/module.js';
import { tracesModule } from './modules/traces/module.js';
import { LogWriter } from './signals/logs/log-writer.js';
import { LogReader } from './signals/logs/log-reader.js';
import { wordMinuteCountsOf } from './signals/logs/word-minute-counts.js';
import { LiveTail } from './signals/logs/live/live-tail.js';
import { registerQueryFunctions } from './signals/logs/query/index.js';
import { SpanReader } from './signals/traces/span-reader.js';
import { MetricReader } from './signals/metrics/metric-reader.js';
import { ExemplarReader } from './signals/metrics/exemplar-reader.js';
import { PrometheusApi } from './signals/metrics/prometheus-api.js';
import { SqliteSeriesStore } from './signals/metrics/sqlite-series-store.js';
import { apiOf, DB_FILE } from './engine.js';

/** The engine opened to read only (`loupe query`, while a serve may be writing). */
export interface QueryEngine {
  /** The read modules' handlers: the same methods the API answers. */
  readonly api: EngineApi;
  /** One of the API's methods, answered from one snapshot of the database (see inReadSnapshot). */
  request<M extends Method>(method: M, params: Requests[M]['params']): Promise<Requests[M]['result']>;
  close(): void;
}

/**
 * The stored data through the read modules (logs, traces, metrics), without sources, receivers,
 * retention or the data-dir lock: a running serve may hold the lock, and SQLite's WAL lets both read.
 */
export function openEngineForQuery(dataDir: string): QueryEngine {
  const dbPath = join(dataDir, DB_FILE);
  if (!existsSync(dbPath)) throw new NotFoundError(`no database in ${dataDir}`);
  const db = openDatabase(dbPath);
  try {
    registerQueryFunctions(db);
    // Another process (a running serve) writes and deletes unheard of here: no word counts kept.
    wordMinuteCountsOf(db).turnOff();
    const reader = new LogReader(db, new LogWriter(db));
    const live = new LiveTail(
      new Scheduler(systemClock),
      (row) => reader.toView(row),
      (row) => reader.pathsOf(row),
    );
    const seriesStore = new SqliteSeriesStore(db);
    const prometheus = new PrometheusApi(seriesStore, () => systemClock.nowMs());
    const modules = [
      logsModule(reader, live),
      tracesModule(db, new SpanReader(db)),
      metricsModule(new MetricReader(db), prometheus, new ExemplarReader(db, seriesStore)),
    ];
    const api = apiOf(modules);
    return { api, request: (method, params) => inReadSnapshot(db, () => api.table.request(method, params)), close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Runs one request (and nothing else meanwhile) in a read transaction: every statement sees the
 * database, and the full-text index's list of parts, as they were at its first read. A serve
 * beside it may drop a part (retention: log-pruner.ts) between the reader's list of parts and its
 * query of that part; without one snapshot the query met "no such table". The serve's own reads
 * need none: its pruner runs on the same connection, between requests.
 */
export async function inReadSnapshot<T>(db: Db, run: () => Promise<T>): Promise<T> {
  db.exec('BEGIN');
  try {
    return await run();
  } finally {
    db.exec('COMMIT');
  }
}
