// A small real store for the query tests: migrate() a temp SQLite file and insert logs with
// their FTS rows the way the writer does (attrs = attributesSearchText of the attributes).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributesSearchText, registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import type { PredicateRow } from '../../../electron/engine/signals/logs/query/index.js';
import { migrate } from '../../../electron/engine/core/migrations.js';
import { attachFtsFile } from '../../../electron/engine/core/database.js';
import { FTS_LEVEL_TAG } from '../../../electron/engine/signals/logs/fts-index.js';
import { levelIndexOf } from '../../../electron/engine/signals/logs/rollup.js';

export interface FixtureRow {
  id: number;
  severity: number;
  file?: number;
  logger?: string;
  service?: string;
  message: string;
  attributes?: Record<string, unknown>;
  trace?: string;
  span?: string;
}

export const SOURCES = [
  { id: 1, kind: 'folder', path: '/var/log/app' },
  { id: 2, kind: 'file', path: '/home/me/worker.log' },
  { id: 3, kind: 'folder', path: 'C:\\logs\\my app' },
];

export const FILES = [
  { id: 10, source_id: 1, path: '/var/log/app/api.log' },
  { id: 11, source_id: 1, path: '/var/log/app/db.log' },
  { id: 12, source_id: 2, path: '/home/me/worker.log' },
  { id: 13, source_id: 3, path: 'C:\\logs\\my app\\svc.log' },
];

export const ROWS: FixtureRow[] = [
  {
    id: 1,
    severity: 9,
    file: 10,
    logger: 'app.http',
    service: 'api',
    message: 'GET /users/42 200 in 12ms',
    attributes: { 'http.route': '/users/{id}', status: 200, duration_ms: 12.5, user_id: 42 },
    trace: 'AB12cd34',
    span: 's1',
  },
  {
    id: 2,
    severity: 17,
    file: 10,
    logger: 'app.http',
    service: 'api',
    message: 'Connection refused (errno=111) to db-01:5432',
    attributes: { status: 503, user_id: '42', retry: true },
    trace: 'ab12cd34',
  },
  {
    id: 3,
    severity: 13,
    file: 11,
    logger: 'app.db',
    service: 'api',
    message: 'Slow query took 1500ms: SELECT * FROM users',
    attributes: { duration_ms: 1500, db: { statement: 'SELECT', rows: 3 } },
  },
  {
    id: 4,
    severity: 13,
    file: 11,
    logger: 'app.db.pool',
    service: 'api',
    message: 'Pool exhausted, waiting for connection',
    attributes: { pool_size: 10 },
  },
  { id: 5, severity: 9, file: 11, logger: 'app.dbx', service: 'api', message: 'dbx started' },
  {
    id: 6,
    severity: 5,
    file: 12,
    logger: 'worker',
    service: 'worker',
    message: 'Read timeout after 30s',
    attributes: { attempt: 3, 'http.route': '/jobs' },
  },
  {
    id: 7,
    severity: 21,
    file: 12,
    logger: 'worker.main',
    service: 'worker',
    message: 'Unhandled exception: KeyError user_id',
    attributes: { http: { route: '/nested' }, exc: 'KeyError' },
  },
  {
    id: 8,
    severity: 0,
    service: 'checkout',
    message: 'Café crème ordered — naïve customer',
    attributes: { amount: '19.90', currency: 'EUR' },
  },
  {
    id: 9,
    severity: 18,
    logger: 'checkout.payments',
    service: 'checkout',
    message: 'Payment failed: card_declined',
    attributes: { status: '402', 'http.route': '/pay', code: 'card_declined' },
  },
  {
    id: 10,
    severity: 1,
    file: 13,
    logger: 'svc',
    service: 'svc',
    message: 'entering handler -> process()',
    attributes: { path: 'C:\\x y' },
  },
  { id: 11, severity: 9, file: 13, logger: 'svc', service: 'svc', message: 'timed out waiting for lock', attributes: { duration_ms: 0.5 } },
  {
    id: 12,
    severity: 10,
    file: 10,
    logger: 'app.http',
    service: 'api',
    message: 'POST /orders 201',
    attributes: { status: 201, items: [1, 2], note: null },
  },
  { id: 13, severity: 25, service: 'api', message: 'weird severity 25 value' },
  {
    id: 14,
    severity: 14,
    file: 10,
    logger: 'app.http',
    service: 'api',
    message: 'Deprecated header X-Forwarded-For',
    attributes: { header: 'X-Forwarded-For' },
  },
  {
    id: 15,
    severity: 9,
    file: 12,
    logger: 'worker',
    service: 'worker',
    message: 'Timeout budget 5s; time to spare',
    attributes: { ok: false, budget: 5 },
  },
  { id: 16, severity: 23, file: 10, logger: 'app', service: 'api', message: 'OUT OF MEMORY', attributes: {} },
  {
    id: 17,
    severity: 9,
    logger: 'Checkout.API',
    service: 'Checkout',
    message: 'user login ok',
    attributes: { user_id: 4200, 'user.name': 'Zoë' },
  },
  {
    id: 18,
    severity: 17,
    file: 11,
    logger: 'app.db',
    service: 'api',
    message: 'deadlock detected; transaction 7 rolled back',
    attributes: { status: '500x' },
  },
];

export const ALL_IDS = ROWS.map((r) => r.id);

export interface Fixture {
  db: Database.Database;
  /** Every row as the live tail would see it, with its source and file paths. */
  predicateRows: PredicateRow[];
  close(): void;
}

export function openFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-query-'));
  const path = join(dir, 'loupe.db');
  const db = new Database(path);
  migrate(db, path);
  attachFtsFile(db, path);
  registerQueryFunctions(db);
  const insertSource = db.prepare('INSERT INTO sources (id, kind, path, created_at) VALUES (?, ?, ?, 0)');
  const insertFile = db.prepare(
    "INSERT INTO files (id, source_id, path, dev, ino, fp_len, fp_hash, updated_at) VALUES (?, ?, ?, 0, ?, 0, '', 0)",
  );
  const insertLog = db.prepare(`
    INSERT INTO logs (id, ts, severity, level_text, file_id, source_id, logger, service, message, attributes, trace_id, span_id)
    VALUES (@id, @id, @severity, NULL, @file_id, @source_id, @logger, @service, @message, @attributes, @trace_id, @span_id)`);
  const insertFts = db.prepare('INSERT INTO logs_fts (rowid, message, attrs, tags) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const s of SOURCES) insertSource.run(s.id, s.kind, s.path);
    for (const f of FILES) insertFile.run(f.id, f.source_id, f.path, f.id);
    for (const r of ROWS) {
      const file = FILES.find((f) => f.id === r.file);
      insertLog.run({
        id: r.id,
        severity: r.severity,
        file_id: file?.id ?? null,
        source_id: file?.source_id ?? null,
        logger: r.logger ?? null,
        service: r.service ?? null,
        message: r.message,
        attributes: r.attributes ? JSON.stringify(r.attributes) : null,
        trace_id: r.trace ?? null,
        span_id: r.span ?? null,
      });
      insertFts.run(r.id, r.message, attributesSearchText(r.attributes ?? null), `${FTS_LEVEL_TAG}${levelIndexOf(r.severity)}`);
    }
  })();
  const predicateRows = db
    .prepare(
      `SELECT l.*, s.path AS source_path, f.path AS file_path FROM logs l
       LEFT JOIN sources s ON s.id = l.source_id LEFT JOIN files f ON f.id = l.file_id ORDER BY l.id`,
    )
    .all() as PredicateRow[];
  return {
    db,
    predicateRows,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
