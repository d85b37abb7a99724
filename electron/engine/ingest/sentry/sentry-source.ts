// The Sentry SDKs as a source: the envelopes and events they post to the API port
// (`/api/{project}/envelope/`, `/api/{project}/store/`, the DSN's key being Loupe's token) and,
// when asked (`loupe serve --spotlight-port N`), to a Spotlight-style listener on loopback
// (`sentry_sdk.init(spotlight=True)` posts every envelope to http://localhost:8969/stream).
// Events become log records and transactions spans through an OTLP ingest queue of its own (the
// same writers and the same `logs.stored` / `spans.stored` events as OTLP, so error groups and
// RED metrics follow); other items (sessions, client reports, attachments) are counted and skipped.
// Its counters and last error are on its view; bad input never stops it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SourceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import { isLoopbackHost } from '../../api/host-guard.js';
import { browserOrigin, isContentTypeIn } from '../../api/request-origin.js';
import type { Db } from '../../core/database.js';
import { BadRequestError } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { OtlpLogRecord, OtlpSpan, ScopeGroup } from '../../core/telemetry.js';
import type { LogWriter } from '../../signals/logs/log-writer.js';
import { BadEncodingError, BodyTooLargeError, readBody, UnsupportedEncodingError } from '../otlp/body.js';
import { OtlpIngest } from '../otlp/ingest.js';
import type { Source } from '../source.js';
import { EnvelopeError, jsonObject, parseEnvelope } from './envelope.js';
import { SENTRY_LIMITS } from './limits.js';
import { eventToLogGroup, transactionToSpanGroup } from './to-otlp.js';

/** The id of the Sentry source: not a row of `sources` (those are positive; StatsD is -1). */
export const SENTRY_SOURCE_ID = -7;
/** The media type of an envelope (what the SDKs and Spotlight send). */
export const ENVELOPE_TYPE = 'application/x-sentry-envelope';

export interface SentryConfig {
  /** Listen for Spotlight's envelopes on this loopback port (0 picks a free one); none when absent. */
  spotlightPort?: number;
  spotlightHost?: string;
}

interface Problem {
  message: string;
  atMs: number;
}

export class SentrySource implements Source {
  readonly id = SENTRY_SOURCE_ID;
  readonly kind = 'sentry' as const;
  readonly ingest: OtlpIngest;
  private spotlight: Server | null = null;
  private spotlightBound: number | null = null;
  private readonly counters = {
    envelopes: 0,
    events: 0,
    transactions: 0,
    spans: 0,
    /** Items of other types (sessions, client reports, attachments…), skipped. */
    ignoredItems: 0,
    /** Event or transaction items that could not be read (not JSON, too large), skipped. */
    badItems: 0,
    /** Spans left out of a transaction (a bad id, no start time). */
    rejectedSpans: 0,
    /** Requests refused whole: a wrong key, a browser page, too large, not an envelope. */
    refused: 0,
  };
  private readonly ignoredByType: Record<string, number> = {};
  private bytes = 0;
  private lastProblem: Problem | null = null;
  /** Spotlight's port was asked for but could not be bound. */
  private spotlightProblem: Problem | null = null;
  /** Events of the current and previous 10 s window, for the rate. */
  private window = { startMs: 0, count: 0, previous: 0 };

  constructor(
    private readonly config: SentryConfig,
    private readonly deps: { db: Db; logs: LogWriter; events: EventBus; scheduler: Scheduler },
  ) {
    this.ingest = new OtlpIngest(deps.db, deps.logs, { events: deps.events, scheduler: deps.scheduler });
  }

  /** The Spotlight listener's port, or null when there is none. */
  get spotlightPort(): number | null {
    return this.spotlightBound;
  }

  /** An envelope (the SDKs' `/envelope/` endpoint, Spotlight's `/stream`): resolves once stored. */
  async receiveEnvelope(body: Buffer): Promise<{ id: string | null }> {
    this.bytes += body.length;
    this.counters.envelopes++;
    let envelope;
    try {
      envelope = parseEnvelope(body);
    } catch (err) {
      if (!(err instanceof EnvelopeError)) throw err;
      const reason = `Not a Sentry envelope: ${err.message}.`;
      this.refused(400, reason);
      throw new BadRequestError(reason);
    }
    const logs: ScopeGroup<OtlpLogRecord>[] = [];
    const spans: ScopeGroup<OtlpSpan>[] = [];
    let firstEventId: string | null = null;
    let used = 0;
    let bad: string | null = null;
    envelope.items.forEach((item, i) => {
      if (item.type !== 'event' && item.type !== 'transaction') {
        const type = item.type || '(none)';
        this.counters.ignoredItems++;
        this.ignoredByType[type] = (this.ignoredByType[type] ?? 0) + 1;
        used++;
        return;
      }
      const json = this.readItem(item.payload, `item ${i + 1} (${item.type})`);
      if (typeof json === 'string') {
        bad ??= json;
        return;
      }
      used++;
      firstEventId ??= typeof json.event_id === 'string' ? json.event_id : null;
      this.add(item.type, json, logs, spans);
    });
    await this.store(logs, spans);
    if (used === 0 && bad !== null) throw new BadRequestError(bad);
    const headerId = envelope.header.event_id;
    return { id: typeof headerId === 'string' ? headerId : firstEventId };
  }

  /** One event posted alone (the SDKs' older `/store/` endpoint). */
  async receiveEvent(body: Buffer): Promise<{ id: string | null }> {
    this.bytes += body.length;
    const json = this.readItem(body, 'the event');
    if (typeof json === 'string') {
      this.refused(400, json);
      throw new BadRequestError(json);
    }
    const logs: ScopeGroup<OtlpLogRecord>[] = [];
    const spans: ScopeGroup<OtlpSpan>[] = [];
    this.add(json.type === 'transaction' ? 'transaction' : 'event', json, logs, spans);
    await this.store(logs, spans);
    return { id: typeof json.event_id === 'string' ? json.event_id : null };
  }

  /** A request refused before it was read (the route's key or size checks, the listener's): counted, its reason kept. */
  refused(_status: number, reason: string): void {
    this.counters.refused++;
    this.problem(reason);
  }

  /** An event or transaction item's JSON, or why it is skipped (counted). */
  private readItem(payload: Buffer, what: string): Record<string, unknown> | string {
    let reason: string;
    if (payload.length > SENTRY_LIMITS.maxEventBytes) reason = `${what} is larger than ${SENTRY_LIMITS.maxEventBytes} bytes`;
    else {
      try {
        return jsonObject(payload, what);
      } catch (err) {
        if (!(err instanceof EnvelopeError)) throw err;
        reason = err.message;
      }
    }
    this.counters.badItems++;
    const sentence = `${reason.charAt(0).toUpperCase()}${reason.slice(1)}: skipped.`;
    this.problem(sentence);
    return sentence;
  }

  private add(type: string, json: Record<string, unknown>, logs: ScopeGroup<OtlpLogRecord>[], spans: ScopeGroup<OtlpSpan>[]): void {
    if (type === 'event') {
      logs.push(eventToLogGroup(json, this.deps.scheduler.clock.nowUs()));
      this.counters.events++;
      this.countRate();
      return;
    }
    const { group, rejected, rejectReason } = transactionToSpanGroup(json);
    this.counters.transactions++;
    this.counters.spans += group.items.length;
    this.counters.rejectedSpans += rejected;
    if (rejectReason) this.problem(`spans of transaction ${JSON.stringify(json.transaction ?? '')} left out: ${rejectReason}`);
    if (group.items.length > 0) spans.push(group);
  }

  private async store(logs: ScopeGroup<OtlpLogRecord>[], spans: ScopeGroup<OtlpSpan>[]): Promise<void> {
    try {
      await Promise.all([
        logs.length > 0 ? this.ingest.submit('logs', { groups: logs, rejected: 0 }) : null,
        spans.length > 0 ? this.ingest.submit('traces', { groups: spans, rejected: 0 }) : null,
      ]);
    } catch (err) {
      this.problem(`could not store: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private problem(message: string): void {
    this.lastProblem = { message, atMs: this.deps.scheduler.clock.nowMs() };
  }

  private countRate(): void {
    const now = this.deps.scheduler.clock.nowMs();
    if (now - this.window.startMs >= 10_000) {
      this.window = { startMs: now, count: 0, previous: now - this.window.startMs < 20_000 ? this.window.count : 0 };
    }
    this.window.count++;
  }

  /** Bind Spotlight's listener when asked for; rejects as the socket does (EADDRINUSE). */
  async listen(): Promise<void> {
    if (this.config.spotlightPort === undefined) return;
    const server = createServer((req, res) => {
      this.onSpotlight(req, res).catch((err: unknown) =>
        answer(res, 500, `Loupe failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.spotlightPort, this.config.spotlightHost ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.spotlight = server;
    this.spotlightBound = (server.address() as AddressInfo).port;
  }

  /** Run without Spotlight's listener and say why on the view (its port was taken). */
  notListening(why: string): void {
    this.spotlightProblem = { message: why, atMs: this.deps.scheduler.clock.nowMs() };
  }

  /** Spotlight's protocol: `POST /stream` with an envelope as the body (application/x-sentry-envelope), no key. */
  private async onSpotlight(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, reason: string): void => {
      this.refused(status, reason);
      res.setHeader('Connection', 'close');
      answer(res, status, reason);
    };
    // Loopback only, and never a browser page (DNS rebinding, a page posting to localhost).
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!isLoopbackHost(host)) return refuse(403, 'Loupe answers only to loopback host names.');
    const page = browserOrigin(req);
    if (page !== null) return refuse(403, `Refused: ${page} may not send Sentry events to Loupe (server SDKs only).`);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/stream') return refuse(404, `Spotlight's envelopes go to POST /stream, not ${path}.`);
    if (req.method !== 'POST') return refuse(405, 'Only POST is taken here (Loupe has no Spotlight UI to stream to).');
    if (!isContentTypeIn(req, [ENVELOPE_TYPE])) return refuse(415, `Envelopes are taken as ${ENVELOPE_TYPE}.`);
    let body: Buffer;
    try {
      body = await readBody(req, SENTRY_LIMITS.maxWireBodyBytes, SENTRY_LIMITS.maxDecodedBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return refuse(413, `The ${err.message.replace(/^the /, '')}.`);
      if (err instanceof BadEncodingError || err instanceof UnsupportedEncodingError) return refuse(400, `${err.message}.`);
      throw err;
    }
    try {
      await this.receiveEnvelope(body);
    } catch (err) {
      if (err instanceof BadRequestError) return answer(res, 400, err.message);
      throw err;
    }
    answer(res, 200, 'OK');
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const server = this.spotlight;
    this.spotlight = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // What was received is written.
    this.ingest.close();
  }

  view(): SourceView {
    const last = this.spotlightProblem ?? this.lastProblem;
    const counters: Record<string, number> = { ...this.counters };
    for (const [type, n] of Object.entries(this.ignoredByType)) counters[`ignoredItems.${type}`] = n;
    const spotlight =
      this.spotlightBound !== null ? `, Spotlight http://${this.config.spotlightHost ?? '127.0.0.1'}:${this.spotlightBound}/stream` : '';
    const nowMs = this.deps.scheduler.clock.nowMs();
    const elapsed = Math.max(1, Math.min(10_000, nowMs - this.window.startMs));
    return {
      id: this.id,
      kind: 'sentry',
      path: `/api/{project}/envelope/ on the API port${spotlight}`,
      state: 'watching',
      records: this.counters.events,
      bytes: this.bytes,
      rate:
        nowMs - this.window.startMs > 20_000
          ? 0
          : Math.round(((this.window.count + this.window.previous) * 10_000) / (10_000 + elapsed)) / 10,
      ...(last ? { lastError: last.message, lastErrorAt: usToRfc3339(last.atMs * 1000) } : {}),
      counters,
      files: [],
    };
  }
}

function answer(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
