// The module contract: what one capability of the engine (logs, traces, metrics, sources, …)
// brings, so that adding one is a folder and one line in the composition root (engine.ts) rather
// than edits across the carriers, the CLI and the status. The root merges the handlers into the
// one API table (a method two modules claim stops the start), starts the modules in order and
// stops them in reverse, and merges their status into engine.status.
import type { Method } from '../../../shared/api.js';
import type { EngineStatusView } from '../../../shared/model.js';
import type { Handlers, Topics } from '../api/handlers.js';

/** A job run every `everyMs` (the scheduler adopts these: single-flight, paused while asleep). */
export interface JobSpec {
  name: string;
  everyMs: number;
  run(): void | Promise<void>;
}

/** A module's part of retention: it deletes its own rows, the retention names no table. */
export interface Pruner {
  name: string;
  /** Delete a chunk of what is older than `cutoffUs` (µs since the epoch); returns how many went (0: nothing left). */
  pruneOlderThan(cutoffUs: number): number;
  /**
   * Over the size limit: delete a chunk of the oldest data, sized to about `bytesToFree`. Retention
   * picks the pruner whose `oldestUs` is smallest, so the oldest data goes first across signals.
   */
  pruneOldest?(bytesToFree: number): number;
  /** The time of the oldest data held (µs), or null when there is none. */
  oldestUs?(): number | null;
}

/**
 * A REST route over a method of the handler table. `{name}` segments of the path become params of
 * that name; `query` names the query-string params passed on (a name ending in `[]`, as
 * Prometheus's `match[]`, takes every value given, as an array); `body` says what the request body
 * is: `fields` (a JSON object whose fields are params), `form` (an
 * application/x-www-form-urlencoded body holding the `query` params, as Grafana posts them) or
 * `{ text, maxBytes }` (the body as text, given as the param `text`, up to `maxBytes`). The answer
 * is the method's result, as the protocol sends it, inside `{ [envelope]: … }` when given; `status`
 * is 200 unless said (201 on create, 204 on delete: no body).
 */
export interface RestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  handler: Method;
  query?: readonly string[];
  /**
   * `bytes`: the raw body as a Buffer param, decompressed as its Content-Encoding says (gzip,
   * deflate), within both limits (413 past either); `contentTypes` are the media types it may be
   * sent as (types no page can post without the browser asking first, so a refused preflight keeps pages out).
   */
  body?:
    | 'fields'
    | 'form'
    | { text: string; maxBytes: number }
    | { bytes: string; maxBytes: number; maxDecodedBytes: number; contentTypes: readonly string[] };
  envelope?: string;
  status?: 201 | 204;
  /**
   * `prometheus`: Prometheus's HTTP API shapes: `{"status":"success","data":…}`, and errors as
   * `{"status":"error","errorType":…,"error":…}` with its statuses (400 bad_data, 422 execution,
   * 503 timeout).
   */
  shape?: 'prometheus';
  /**
   * `token`: only the token authenticates (Bearer, Basic with the token as password, `?token=`),
   * never the browser's session cookie. A `form` body requires it: any page can post a form
   * without the browser asking first, but no page can add the token.
   * `sentry`: the token, also as Sentry's key (`X-Sentry-Auth: Sentry sentry_key=T, …` or
   * `?sentry_key=T`, as the SDKs send their DSN's public key); never the cookie, and never from a
   * browser (a request with an `Origin` is refused: Loupe takes server SDKs' errors only).
   */
  auth?: 'token' | 'sentry';
  /**
   * Told when a request to this route is refused before its method runs (its key is wrong, its body
   * too large or not readable), with the HTTP status and why: an ingest route counts them on its source.
   */
  refused?: (status: number, reason: string) => void;
  /**
   * Every field of the query string and of a `form` body (but the token) as one object of text
   * under this param: for senders whose field names are open (Python's HTTPHandler posts a
   * LogRecord's dict, extras included).
   */
  allFieldsAs?: string;
}

export interface EngineModule {
  /** Names the module in errors (a duplicate method) and in the close report. */
  readonly name: string;
  readonly handlers?: Handlers;
  /** Live subscriptions of the protocol (WebSocket / MessagePort only). */
  readonly topics?: Topics;
  readonly routes?: readonly RestRoute[];
  /** Called in module order once every module is built; a throw stops the engine's start. */
  start?(): Promise<void> | void;
  /**
   * Called in reverse order when the engine closes. A throw is reported (its message is a
   * sentence naming what could not be done) and the other modules still stop.
   */
  stop?(): Promise<void> | void;
  /** This module's part of engine.status. */
  status?(): Partial<EngineStatusView>;
  readonly jobs?: readonly JobSpec[];
  readonly pruner?: Pruner;
}
