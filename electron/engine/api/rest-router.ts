// The one REST router: it interprets the modules' declarative routes (core/module.ts RestRoute)
// over the handler table. It maps the address, query string and body to the method's params and
// answers the method's result as the protocol does, byte for byte (inside the route's envelope, or
// Prometheus's `{"status":"success","data":…}` and error shapes for its HTTP API's routes).
import type { IncomingMessage } from 'node:http';
import { API_LIMITS, type ApiErrorBody, type ApiErrorCode } from '../../../shared/api.js';
import { BadRequestError } from '../core/errors.js';
import type { RestRoute } from '../core/module.js';
import { httpStatusOf, toApiError, TooLargeError } from './errors.js';
import { RawJson, type HandlerTable } from './handlers.js';
import { BadEncodingError, BodyTooLargeError, readBody, UnsupportedEncodingError } from '../ingest/otlp/body.js';

/** What to send: a status, JSON text (none for 204), and the Allow header of a 405. */
export interface RestAnswer {
  status: number;
  json: string | null;
  allow?: string;
  /** The rest of the body was not read (too large, corrupt): the connection closes after the answer. */
  closeConnection?: true;
}

interface CompiledPath {
  pattern: RegExp;
  names: string[];
  routes: RestRoute[];
}

export class RestRouter {
  private readonly paths: CompiledPath[] = [];

  /** Every route names a method of the table (else the start fails: a route that can only 400). */
  constructor(
    routes: readonly RestRoute[],
    private readonly table: HandlerTable,
  ) {
    for (const route of routes) {
      if (!table.has(route.handler)) throw new Error(`REST route ${route.method} ${route.path} names no method: "${route.handler}".`);
      if (route.body === 'form' && route.auth !== 'token')
        throw new Error(
          `REST route ${route.method} ${route.path} takes a form body: it must authenticate by the token only (auth: 'token').`,
        );
      if (typeof route.body === 'object' && 'bytes' in route.body && route.auth === undefined)
        throw new Error(
          `REST route ${route.method} ${route.path} takes a raw body: it must authenticate by the token only (auth: 'token' or 'sentry').`,
        );
      const existing = this.paths.find((p) => p.routes[0]!.path === route.path);
      if (existing?.routes.some((r) => r.method === route.method))
        throw new Error(`REST route ${route.method} ${route.path} is declared twice.`);
      if (existing) existing.routes.push(route);
      else this.paths.push({ ...compilePath(route.path), routes: [route] });
    }
  }

  /** The routes declared at a path (whatever their method): the carrier asks them how a request there authenticates. */
  routesAt(pathname: string): readonly RestRoute[] {
    return this.paths.find((p) => p.pattern.test(pathname))?.routes ?? [];
  }

  /** The answer to an API request; paths are tried in declaration order (`/api/traces/import` before `/api/traces/{traceId}`). */
  async answer(req: IncomingMessage, url: URL): Promise<RestAnswer> {
    const method = req.method ?? 'GET';
    let shape: RestRoute['shape'];
    try {
      for (const { pattern, names, routes } of this.paths) {
        const m = pattern.exec(url.pathname);
        if (!m) continue;
        const route = routes.find((r) => r.method === method);
        if (!route) {
          const allow = routes.map((r) => r.method).join(', ');
          return { ...errorAnswer('method_not_allowed', `Allowed methods: ${allow}.`), allow };
        }
        shape = route.shape;
        const params = paramsFrom(url.searchParams, route.query ?? []);
        const fields = route.allFieldsAs !== undefined ? allFields(url.searchParams) : null;
        if (route.body === 'fields') Object.assign(params, await readJsonObject(req));
        else if (route.body === 'form') {
          const form = new URLSearchParams(await readText(req, API_LIMITS.maxBodyBytes));
          Object.assign(params, paramsFrom(form, route.query ?? []));
          if (fields) Object.assign(fields, allFields(form));
        } else if (route.body && 'bytes' in route.body) {
          const read = await readBytes(req, route.body.maxBytes, route.body.maxDecodedBytes);
          if (!read.ok) {
            const error = read.tooLarge ? new TooLargeError(read.reason) : new BadRequestError(read.reason);
            route.refused?.(read.tooLarge ? 413 : 400, read.reason);
            return {
              status: httpStatusOf(toApiError(error).code),
              json: JSON.stringify({ error: toApiError(error) }),
              closeConnection: true,
            };
          }
          params[route.body.bytes] = read.body;
        } else if (route.body) params[route.body.text] = await readText(req, route.body.maxBytes);
        if (fields) params[route.allFieldsAs!] = fields;
        // The address names the thing: a body's field of the same name does not redirect the request.
        names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
        const result = await this.table.call(route.handler, params);
        if (route.status === 204) return { status: 204, json: null };
        const text = result instanceof RawJson ? result.text : JSON.stringify(result);
        if (shape === 'prometheus') return { status: 200, json: `{"status":"success","data":${text}}` };
        return { status: route.status ?? 200, json: route.envelope ? `{${JSON.stringify(route.envelope)}:${text}}` : text };
      }
      return errorAnswer('not_found', `No API route ${method} ${url.pathname}.`);
    } catch (err) {
      const error = toApiError(err);
      if (shape === 'prometheus') {
        const [status, errorType] = prometheusErrorOf(error.code);
        return { status, json: JSON.stringify({ status: 'error', errorType, error: error.message }) };
      }
      return { status: httpStatusOf(error.code), json: JSON.stringify({ error } satisfies ApiErrorBody) };
    }
  }
}

/** The declared params found in a query string or a form body; `name[]` collects every value given. */
function paramsFrom(search: URLSearchParams, names: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const name of names) {
    if (name.endsWith('[]')) {
      const all = search.getAll(name);
      if (all.length > 0) params[name] = all;
      continue;
    }
    const v = search.get(name);
    if (v !== null) params[name] = v;
  }
  return params;
}

/** Every field given (the last value of a repeated one), but the token. */
function allFields(search: URLSearchParams): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of search) if (k !== 'token') fields[k] = v;
  return fields;
}

/** Prometheus's HTTP status and errorType for an error (web/api/v1's respondError). */
function prometheusErrorOf(code: ApiErrorCode): [number, string] {
  switch (code) {
    case 'bad_request':
    case 'query_syntax':
    case 'too_large':
      return [400, 'bad_data'];
    case 'query_execution':
      return [422, 'execution'];
    case 'search_timeout':
      return [503, 'timeout'];
    case 'not_found':
      return [404, 'not_found'];
    default:
      return [500, 'internal'];
  }
}

function errorAnswer(code: 'not_found' | 'method_not_allowed', message: string): RestAnswer {
  return { status: httpStatusOf(code), json: JSON.stringify({ error: { code, message } } satisfies ApiErrorBody) };
}

/** `/api/logs/{id}/context` → a pattern with one group per `{name}` (one path segment each). */
function compilePath(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}$`), names };
}

/** A raw body, decompressed, within both limits; or why it could not be read (the sentence the sender gets). */
async function readBytes(
  req: IncomingMessage,
  maxWire: number,
  maxDecoded: number,
): Promise<{ ok: true; body: Buffer } | { ok: false; tooLarge: boolean; reason: string }> {
  try {
    return { ok: true, body: await readBody(req, maxWire, maxDecoded) };
  } catch (err) {
    const sentence = (e: Error): string => `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}.`;
    if (err instanceof BodyTooLargeError) return { ok: false, tooLarge: true, reason: sentence(err) };
    if (err instanceof BadEncodingError || err instanceof UnsupportedEncodingError)
      return { ok: false, tooLarge: false, reason: sentence(err) };
    throw err;
  }
}

/** A body as text, up to `maxBytes` (a trace import's limit is not the API's). */
async function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new TooLargeError(`The request body is over ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readText(req, API_LIMITS.maxBodyBytes);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`The request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}
