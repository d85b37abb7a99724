// The engine's side of shared/api.ts: one instance per connection, whatever carries it (a
// WebSocket under `loupe serve`, a MessagePort on the desktop). Every message is validated here,
// at the edge; every failure goes back as an ApiError a user can read.
import {
  API_LIMITS,
  type ApiError,
  type ClientMessage,
  type LiveBatch,
  type Method,
  type Requests,
  type ServerMessage,
} from '../../../shared/api.js';
import { parseTimeParam } from '../../../shared/time.js';
import type { Engine } from '../engine.js';
import { FORMATS } from '../parse/registry.js';
import { QuerySyntaxError } from '../query/index.js';
import { logFacets } from '../store/log-facets.js';
import { engineStatus } from '../status.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import { parseDurationUs } from '../store/trace-query.js';
import { importOtlpTraces } from '../sources/otlp/trace-import.js';

/** What moves messages (JSON text, a ServerMessage): the carriers are this thin. */
export interface Carrier {
  send(text: string): void;
  /** Bytes queued but not yet sent (a slow client), when the carrier knows. */
  buffered?(): number;
}

/** A result that is JSON text already (a big trace): spliced into the response, not parsed again. */
export class RawJson {
  constructor(readonly text: string) {}
}

type Handler<M extends Method> = (
  params: Record<string, unknown>,
) => Promise<Requests[M]['result'] | RawJson> | Requests[M]['result'] | RawJson;

export class ProtocolConnection {
  private readonly subscriptions = new Map<number, () => void>();
  private readonly handlers: { [M in Method]: Handler<M> };

  constructor(
    private readonly engine: Engine,
    private readonly carrier: Carrier,
  ) {
    const reader = engine.reader;
    this.handlers = {
      'logs.search': (p) =>
        reader.search({ ...queryParams(p), limit: optInt(p, 'limit'), cursor: optString(p, 'cursor') }),
      'logs.histogram': (p) => reader.histogram({ ...queryParams(p), buckets: optInt(p, 'buckets') }),
      'logs.context': (p) => reader.context(reqInt(p, 'id'), optInt(p, 'before') ?? 10, optInt(p, 'after') ?? 10),
      'logs.get': (p) => {
        const row = reader.getRow(reqInt(p, 'id'));
        if (!row) throw new NotFoundError(`No record with id ${String(p.id)}.`);
        return reader.toView(row);
      },
      'logs.facets': (p) => logFacets(reader, queryParams(p)),
      'sources.list': () => engine.sources.list(),
      'sources.add': (p) => engine.sources.add(reqString(p, 'path'), { format: optFormat(p), followSymlinks: p.followSymlinks === true }),
      'sources.remove': async (p) => {
        await engine.sources.remove(reqInt(p, 'id'));
        return null;
      },
      'sources.setFormat': (p) => engine.sources.setFormat(reqInt(p, 'id'), optFormat(p)),
      'formats.list': () => FORMATS.map((f) => ({ id: f.id, name: f.name })),
      'engine.status': () => engineStatus(engine),
      'traces.search': (p) =>
        engine.traces.search({
          service: optString(p, 'service'),
          operation: optString(p, 'operation'),
          status: optString(p, 'status'),
          minDurationUs: optDuration(p, 'minDuration'),
          maxDurationUs: optDuration(p, 'maxDuration'),
          q: optString(p, 'q'),
          from: optTime(p, 'from'),
          to: optTime(p, 'to'),
          limit: optInt(p, 'limit'),
          cursor: optString(p, 'cursor'),
        }),
      'traces.get': (p) => {
        const json = engine.traces.getJson(reqString(p, 'traceId'));
        if (json === undefined) throw new NotFoundError(`No trace with id ${String(p.traceId)}.`);
        return new RawJson(json);
      },
      'traces.import': (p) => importOtlpTraces(engine.db, reqString(p, 'json')),
      'metrics.list': () => engine.metrics.list(),
      'services.list': (p) => engine.traces.services(optTime(p, 'since')),
      serviceMap: (p) => engine.traces.serviceMap(optTime(p, 'from'), optTime(p, 'to')),
    };
  }

  /** One message from the client, as text (the carriers hand over what they received). */
  async receive(text: string): Promise<void> {
    // A trace import carries a file: it may be as large as an OTLP request; nothing else may.
    if (text.length > API_LIMITS.maxImportBytes) {
      return this.fail(null, { code: 'too_large', message: `Messages are limited to ${API_LIMITS.maxImportBytes} bytes.` });
    }
    let msg: ClientMessage;
    try {
      msg = JSON.parse(text) as ClientMessage;
    } catch {
      return this.fail(null, { code: 'bad_request', message: 'Messages must be JSON.' });
    }
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') {
      return this.fail(null, { code: 'bad_request', message: 'A message needs a numeric id.' });
    }
    const id = msg.id;
    if (text.length > API_LIMITS.maxBodyBytes && !(msg.kind === 'request' && msg.method === 'traces.import')) {
      return this.fail(id, { code: 'too_large', message: `Messages are limited to ${API_LIMITS.maxBodyBytes} bytes.` });
    }
    try {
      if (msg.kind === 'request') {
        const handler = this.handlers[msg.method] as Handler<Method> | undefined;
        if (typeof handler !== 'function') throw new BadRequestError(`Unknown method "${String(msg.method)}".`);
        const result = await handler(paramsOf(msg.params));
        if (result instanceof RawJson) this.carrier.send(`{"kind":"response","id":${id},"result":${result.text}}`);
        else this.send({ kind: 'response', id, result });
      } else if (msg.kind === 'subscribe') {
        this.subscribe(id, msg.topic, paramsOf(msg.params));
        this.send({ kind: 'response', id, result: null });
      } else if (msg.kind === 'unsubscribe') {
        this.subscriptions.get(id)?.();
        this.subscriptions.delete(id);
        this.send({ kind: 'response', id, result: null });
      } else {
        throw new BadRequestError('Unknown message kind: expected request, subscribe or unsubscribe.');
      }
    } catch (err) {
      this.fail(id, toApiError(err));
    }
  }

  private subscribe(id: number, topic: string, params: Record<string, unknown>): void {
    if (topic !== 'logs.tail') throw new BadRequestError(`Unknown topic "${topic}".`);
    if (this.subscriptions.has(id)) throw new BadRequestError(`Subscription ${id} exists already.`);
    if (this.subscriptions.size >= API_LIMITS.maxSubscriptionsPerConnection) {
      throw new BadRequestError(`At most ${API_LIMITS.maxSubscriptionsPerConnection} subscriptions per connection.`);
    }
    let skippedWhileBusy = 0;
    const unsubscribe = this.engine.live.subscribe(optString(params, 'q') ?? '', (batch) => {
      // A client that can't keep up gets counts instead of an ever-growing send buffer.
      if ((this.carrier.buffered?.() ?? 0) > API_LIMITS.maxSocketBufferBytes) {
        skippedWhileBusy += batch.records.length + batch.skipped;
        return;
      }
      const event: LiveBatch = { records: batch.records, skipped: batch.skipped + skippedWhileBusy };
      skippedWhileBusy = 0;
      this.send({ kind: 'event', id, event });
    });
    this.subscriptions.set(id, unsubscribe);
  }

  private fail(id: number | null, error: ApiError): void {
    this.send({ kind: 'error', id, error });
  }

  private send(message: ServerMessage): void {
    this.carrier.send(JSON.stringify(message));
  }

  close(): void {
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }
}

/** The readable error of anything thrown behind the protocol or the REST routes. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof QuerySyntaxError) return { code: 'query_syntax', message: err.message, position: err.position, length: err.length };
  if (err instanceof BadRequestError) return { code: 'bad_request', message: err.message };
  if (err instanceof NotFoundError) return { code: 'not_found', message: err.message };
  // decodeURIComponent on a malformed %-escape: the address is the client's mistake.
  if (err instanceof URIError) return { code: 'bad_request', message: `The address is not valid: ${err.message}.` };
  return { code: 'internal', message: `Loupe failed: ${err instanceof Error ? err.message : String(err)}` };
}

function paramsOf(p: unknown): Record<string, unknown> {
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p)) throw new BadRequestError('params must be an object.');
  return p as Record<string, unknown>;
}

function queryParams(p: Record<string, unknown>): { q: string; from: number | undefined; to: number | undefined } {
  return { q: optString(p, 'q') ?? '', from: optTime(p, 'from'), to: optTime(p, 'to') };
}

function optString(p: Record<string, unknown>, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`${name}: expected text.`);
  return v;
}

function reqString(p: Record<string, unknown>, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw new BadRequestError(`${name} is required.`);
  return v;
}

function optInt(p: Record<string, unknown>, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadRequestError(`${name}: expected a whole number.`);
  return v;
}

function reqInt(p: Record<string, unknown>, name: string): number {
  const v = optInt(p, name);
  if (v === undefined) throw new BadRequestError(`${name} is required.`);
  return v;
}

function optTime(p: Record<string, unknown>, name: string): number | undefined {
  const v = optString(p, name);
  if (v === undefined || v === '') return undefined;
  const us = parseTimeParam(v);
  if (us === undefined) throw new BadRequestError(`${name}: "${v}" is not a time (RFC 3339, e.g. 2026-11-30T10:00:00Z).`);
  return us;
}

function optDuration(p: Record<string, unknown>, name: string): number | undefined {
  const v = optString(p, name);
  return v === undefined || v === '' ? undefined : parseDurationUs(v, name);
}

function optFormat(p: Record<string, unknown>): string | null {
  const v = optString(p, 'format');
  return v === undefined || v === '' ? null : v;
}
