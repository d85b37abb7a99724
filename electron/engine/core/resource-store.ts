// Resources stored once, whatever signal brought them: a resource's id is looked up by the hash
// of its canonical JSON (keys sorted), remembered in memory after the first time.
import { createHash } from 'node:crypto';
import type { Db } from './database.js';
import type { Attributes, OtlpResource } from './telemetry.js';

/** The `service.name` resource attribute, when it is text. */
export function serviceOf(attributes: Attributes): string | undefined {
  const s = attributes['service.name'];
  return typeof s === 'string' && s !== '' ? s : undefined;
}

/** JSON with object keys sorted at every level: equal attribute sets give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

export function hashOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** A stored resource that names a process: an SDK's resource with `process.pid`. */
export interface ProcessNamingResource {
  /** resources.id: a later process (a restart) has a higher one. */
  id: number;
  pid: number;
  service: string | undefined;
  attributes: Attributes;
}

/**
 * The resources an OpenTelemetry SDK sent that name a process (`process.pid`), newest first. Only
 * an SDK's (those with `telemetry.sdk.name`): Loupe's own process series have a `process.pid`
 * resource too, and must not keep the process they sample tied to a source.
 */
export function resourcesNamingProcess(db: Db): ProcessNamingResource[] {
  const rows = db
    .prepare(
      `SELECT id, service, attributes FROM resources
       WHERE attributes LIKE '%"process.pid":%' AND attributes LIKE '%"telemetry.sdk.name":%' ORDER BY id DESC`,
    )
    .all() as { id: number; service: string | null; attributes: string }[];
  return rows.flatMap((r) => {
    const attributes = JSON.parse(r.attributes) as Attributes;
    const pid = Number(attributes['process.pid']);
    return Number.isInteger(pid) && pid > 0 ? [{ id: r.id, pid, service: r.service ?? undefined, attributes }] : [];
  });
}

/**
 * When the newest process of a service that an SDK named (its newest resource with `process.pid`)
 * began, in µs: the earliest metric point or span stored with that resource (log records keep no
 * resource). Metric points first, by their (series_id, ts) index: a handful of series, one index
 * probe each, and a cumulative point's start time is when the SDK began counting, before its first
 * export. Spans have no index by resource, so they are scanned only when the resource has no
 * metrics. Undefined when no such resource is stored, or nothing is stored with it any more.
 */
export function lastProcessStartUs(db: Db, service: string): number | undefined {
  const resource = resourcesNamingProcess(db).find((r) => r.service === service);
  if (!resource) return undefined;
  // OTLP points not yet folded from the point log (migration 13) count too: a process that just
  // started may have no other (the log is small and unindexed: read whole).
  const metrics = db
    .prepare(
      `SELECT min(v) FROM (
         SELECT (SELECT coalesce(min(start_us, ts), ts) FROM metric_points WHERE series_id = s.id ORDER BY ts LIMIT 1) AS v
         FROM metric_series s WHERE s.resource_id = ?
         UNION ALL
         SELECT coalesce(min(start_us, ts), ts) FROM metric_points_log
         WHERE series_id IN (SELECT id FROM metric_series WHERE resource_id = ?))`,
    )
    .pluck()
    .get(resource.id, resource.id) as number | null;
  if (metrics !== null) return metrics;
  const spans = db.prepare('SELECT min(start_us) FROM spans WHERE resource_id = ?').pluck().get(resource.id) as number | null;
  return spans ?? undefined;
}

export class ResourceStore {
  private readonly ids = new Map<string, number>();
  /** The request's resource objects, each shared by its scope groups: canonicalised once. */
  private readonly seen = new WeakMap<OtlpResource, number>();
  private readonly find;
  private readonly insert;

  constructor(db: Db) {
    this.find = db.prepare('SELECT id FROM resources WHERE hash = ?').pluck();
    this.insert = db.prepare('INSERT INTO resources (hash, service, attributes, schema_url) VALUES (?, ?, ?, ?)');
  }

  /** The id of a resource, stored if new. Call inside the writer's transaction. */
  idOf(resource: OtlpResource): number {
    const known = this.seen.get(resource);
    if (known !== undefined) return known;
    const json = canonicalJson(resource.attributes);
    const hash = hashOf(`${json}\n${resource.schemaUrl ?? ''}`);
    let id = this.ids.get(hash);
    if (id === undefined) {
      id =
        (this.find.get(hash) as number | undefined) ??
        Number(this.insert.run(hash, serviceOf(resource.attributes) ?? null, json, resource.schemaUrl ?? null).lastInsertRowid);
      this.ids.set(hash, id);
    }
    this.seen.set(resource, id);
    return id;
  }

  /** Forget cached ids (after retention removed rows, an id may be gone). */
  clearCache(): void {
    this.ids.clear();
  }
}
