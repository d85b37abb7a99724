// Sentry events and transactions in the engine's OpenTelemetry model, so they go through the OTLP
// ingest path like any SDK's data. An event becomes one log record: its message `Type: value` with
// the exception chain printed below it as Python prints a traceback, so the error groups read and
// fingerprint it as they do a traceback in a log file; the event's level, logger, tags, user,
// request, breadcrumbs and the frames' local variables become its severity, scope and attributes.
// A transaction becomes its root span and child spans (ids and times as Sentry sends them).
import type { AttrValue, Attributes, OtlpLogRecord, OtlpResource, OtlpSpan, ScopeGroup } from '../../core/telemetry.js';
import { severityOfName } from '../files/parse/levels.js';
import { idFromHex, SPAN_ID_BYTES, TRACE_ID_BYTES } from '../otlp/ids.js';
import { capString, newAttributes } from '../otlp/values.js';
import { SENTRY_LIMITS } from './limits.js';

type Json = Record<string, unknown>;

/** The service a Sentry event is told under: a `service` tag, the release's package (`shop@1.2.3`), the host (`server_name`). */
export function resourceOf(event: Json): OtlpResource {
  const tags = tagsOf(event);
  const release = str(event.release);
  const at = release?.lastIndexOf('@') ?? -1;
  const releasePackage = release !== undefined && at > 0 ? release.slice(0, at) : undefined;
  const serverName = str(event.server_name);
  const attributes = newAttributes();
  attributes['service.name'] = tags.service ?? releasePackage ?? serverName ?? 'sentry';
  if (release !== undefined) attributes['service.version'] = at > 0 ? release.slice(at + 1) : release;
  if (serverName !== undefined) attributes['host.name'] = serverName;
  const environment = str(event.environment);
  if (environment !== undefined) attributes['deployment.environment.name'] = environment;
  const sdk = obj(event.sdk);
  if (str(sdk?.name) !== undefined) attributes['telemetry.sdk.name'] = str(sdk?.name)!;
  if (str(sdk?.version) !== undefined) attributes['telemetry.sdk.version'] = str(sdk?.version)!;
  return { attributes };
}

/** One event (an error, a message) as a log record, with the scope named after its logger. */
export function eventToLogGroup(event: Json, nowUs: number): ScopeGroup<OtlpLogRecord> {
  const attributes = newAttributes();
  const exceptions = exceptionsOf(event);
  const raised = exceptions[exceptions.length - 1];
  const logentry = obj(event.logentry) ?? obj(event.message);
  const text = str(logentry?.formatted) ?? str(logentry?.message) ?? str(event.message);
  const headline = text ?? (raised ? titleOf(raised) : '');
  const traceback = exceptions.some((e) => framesOf(e).length > 0) ? printTraceback(exceptions) : '';
  if (raised) {
    attributes['exception.type'] = qualifiedType(raised);
    attributes['exception.message'] = str(raised.value) ?? '';
    const mechanism = obj(raised.mechanism);
    if (str(mechanism?.type) !== undefined) attributes['exception.mechanism'] = str(mechanism?.type)!;
    if (typeof mechanism?.handled === 'boolean') attributes['exception.handled'] = mechanism.handled;
    const libraryFiles = notInAppFiles(exceptions);
    if (libraryFiles.length > 0) attributes['exception.library_files'] = libraryFiles;
    const frames = framesAttribute(exceptions);
    if (frames !== undefined) attributes['exception.frames'] = frames;
  }
  addEventAttributes(attributes, event);
  const trace = obj(obj(event.contexts)?.trace);
  const traceId = idFromHex(trace?.trace_id, TRACE_ID_BYTES, 'trace_id');
  const spanId = idFromHex(trace?.span_id, SPAN_ID_BYTES, 'span_id');
  const level = str(event.level) ?? (raised ? 'error' : 'info');
  const record: OtlpLogRecord = {
    timeUs: timeUs(event.timestamp) ?? nowUs,
    observedUs: nowUs,
    severityNumber: severityOfName(level) ?? 0,
    severityText: level,
    // As a log file holds it: the headline, then the traceback folded under it.
    body: capString(traceback ? `${headline}\n${traceback}` : headline),
    attributes,
    ...(traceId.kind === 'ok' ? { traceId: traceId.hex } : {}),
    ...(spanId.kind === 'ok' && traceId.kind === 'ok' ? { spanId: spanId.hex } : {}),
    flags: 0,
  };
  return { resource: resourceOf(event), scope: { name: str(event.logger) ?? '' }, items: [record] };
}

/** A transaction's spans: the root from `contexts.trace`, then its children; spans with bad ids are left out and counted. */
export function transactionToSpanGroup(event: Json): { group: ScopeGroup<OtlpSpan>; rejected: number; rejectReason?: string } {
  const trace = obj(obj(event.contexts)?.trace) ?? {};
  const traceId = idFromHex(trace.trace_id, TRACE_ID_BYTES, 'contexts.trace.trace_id');
  const items: OtlpSpan[] = [];
  let rejected = 0;
  let rejectReason: string | undefined;
  const reject = (why: string): void => {
    rejected++;
    rejectReason ??= why;
  };
  const children = Array.isArray(event.spans) ? event.spans.slice(0, SENTRY_LIMITS.maxSpans) : [];
  if (traceId.kind !== 'ok') {
    reject(traceId.kind === 'invalid' ? traceId.reason : 'the transaction has no contexts.trace.trace_id');
    return { group: { resource: resourceOf(event), scope: { name: 'sentry' }, items }, rejected: rejected + children.length, rejectReason };
  }
  const tags = tagsOf(event);
  const root = spanOf(
    { ...trace, start_timestamp: event.start_timestamp, timestamp: event.timestamp },
    traceId.hex,
    str(event.transaction),
  );
  if (typeof root === 'string') reject(root);
  else {
    for (const [k, v] of Object.entries(tags)) root.attributes[`tags.${k}`] = v;
    const source = str(obj(event.transaction_info)?.source);
    if (source !== undefined) root.attributes['sentry.source'] = source;
    items.push(root);
  }
  for (const child of children) {
    const span = obj(child) ? spanOf(child as Json, traceId.hex, undefined) : 'a span is not an object';
    if (typeof span === 'string') reject(span);
    else items.push(span);
  }
  return { group: { resource: resourceOf(event), scope: { name: 'sentry' }, items }, rejected, ...(rejectReason ? { rejectReason } : {}) };
}

function spanOf(s: Json, traceId: string, name: string | undefined): OtlpSpan | string {
  const spanId = idFromHex(s.span_id, SPAN_ID_BYTES, 'span_id');
  if (spanId.kind !== 'ok') return spanId.kind === 'invalid' ? spanId.reason : 'a span has no span_id';
  const parent = idFromHex(s.parent_span_id, SPAN_ID_BYTES, 'parent_span_id');
  const startUs = timeUs(s.start_timestamp);
  const endUs = timeUs(s.timestamp) ?? startUs;
  if (startUs === undefined || endUs === undefined) return `span ${spanId.hex} has no start_timestamp`;
  const op = str(s.op);
  const description = str(s.description);
  const status = str(s.status);
  const attributes = newAttributes();
  if (op !== undefined) attributes['sentry.op'] = op;
  if (description !== undefined && name !== undefined) attributes['sentry.description'] = capString(description);
  for (const [k, v] of Object.entries(obj(s.tags) ?? {})) if (v !== null && v !== undefined) attributes[`tags.${k}`] = attr(v);
  for (const [k, v] of Object.entries(obj(s.data) ?? {})) if (v !== null && v !== undefined) attributes[k] = attr(v);
  return {
    traceId,
    spanId: spanId.hex,
    ...(parent.kind === 'ok' ? { parentSpanId: parent.hex } : {}),
    name: name ?? description ?? op ?? 'span',
    kind: kindOfOp(op),
    startUs,
    endUs: Math.max(endUs, startUs),
    attributes,
    events: [],
    links: [],
    // Sentry's span status: `ok`, else one of gRPC's error names (internal_error, not_found…).
    statusCode: status === undefined ? 0 : status === 'ok' ? 1 : 2,
    ...(status !== undefined && status !== 'ok' ? { statusMessage: status } : {}),
    flags: 0,
  };
}

/** The span kind Sentry's `op` names (develop.sentry.dev span operations): http.server, http.client, queue.*. */
function kindOfOp(op: string | undefined): number {
  if (op === undefined) return 1;
  if (op === 'http.server' || op.startsWith('http.server.') || op === 'websocket.server' || op === 'rpc.server') return 2;
  if (op.startsWith('http.client') || op === 'http' || op.startsWith('db') || op.startsWith('cache') || op === 'rpc.client') return 3;
  if (op.startsWith('queue.publish') || op.startsWith('queue.submit')) return 4;
  if (op.startsWith('queue.process') || op.startsWith('queue.task') || op.startsWith('celery.task')) return 5;
  return 1;
}

/** The exception chain as Sentry sends it: the cause first, the exception raised last. */
function exceptionsOf(event: Json): Json[] {
  const exc = event.exception;
  const values = Array.isArray(exc) ? exc : Array.isArray(obj(exc)?.values) ? (obj(exc)!.values as unknown[]) : [];
  return values.filter((v): v is Json => obj(v) !== undefined).slice(-SENTRY_LIMITS.maxExceptions);
}

function framesOf(exception: Json): Json[] {
  const frames = obj(exception.stacktrace)?.frames;
  return Array.isArray(frames) ? frames.filter((f): f is Json => obj(f) !== undefined).slice(-SENTRY_LIMITS.maxFrames) : [];
}

/** The type as Python's traceback prints it: `module.Name`, except builtins and `__main__`. */
function qualifiedType(exception: Json): string {
  const type = str(exception.type) ?? 'Error';
  const module = str(exception.module);
  return module === undefined || module === 'builtins' || module === '__main__' || type.includes('.') ? type : `${module}.${type}`;
}

function titleOf(exception: Json): string {
  const value = str(exception.value) ?? '';
  return value.length > 0 ? `${qualifiedType(exception)}: ${value}` : qualifiedType(exception);
}

/** The chain as `traceback.print_exception` prints it, cause first, so the traceback reader finds the same chain. */
function printTraceback(exceptions: readonly Json[]): string {
  const parts: string[] = [];
  exceptions.forEach((exception, i) => {
    if (i > 0) {
      // Sentry's newer SDKs say which link it was (`mechanism.source`); a `raise … from` is the common one.
      const context =
        str(obj(exception.mechanism)?.source) === '__context__' || str(obj(exceptions[i - 1]!.mechanism)?.source) === '__context__';
      parts.push(
        context
          ? '\nDuring handling of the above exception, another exception occurred:\n'
          : '\nThe above exception was the direct cause of the following exception:\n',
      );
    }
    const lines = ['Traceback (most recent call last):'];
    for (const f of framesOf(exception)) {
      lines.push(`  File "${fileOf(f)}", line ${num(f.lineno) ?? 0}, in ${str(f.function) ?? '<unknown>'}`);
      const code = str(f.context_line)?.trim();
      if (code) lines.push(`    ${code}`);
    }
    lines.push(titleOf(exception));
    parts.push(lines.join('\n'));
  });
  return parts.join('\n');
}

function fileOf(frame: Json): string {
  return str(frame.abs_path) ?? str(frame.filename) ?? str(frame.module) ?? '<unknown>';
}

/** The files of frames the SDK marked not in-app (in_app_exclude): the error groups count them as library frames. */
function notInAppFiles(exceptions: readonly Json[]): string[] {
  const files = new Set<string>();
  for (const e of exceptions) for (const f of framesOf(e)) if (f.in_app === false) files.add(fileOf(f));
  return [...files].slice(0, SENTRY_LIMITS.maxFrames);
}

/**
 * The frames with what the traceback text has no room for (in-app, the lines around, local
 * variables), innermost first so a cut keeps the frames nearest the error; bounded in size.
 */
function framesAttribute(exceptions: readonly Json[]): AttrValue | undefined {
  const out: AttrValue[] = [];
  let size = 2;
  for (const exception of [...exceptions].reverse()) {
    for (const f of [...framesOf(exception)].reverse()) {
      const vars = obj(f.vars);
      const frame: Record<string, AttrValue> = {
        exception: qualifiedType(exception),
        file: fileOf(f),
        line: num(f.lineno) ?? 0,
        function: str(f.function) ?? '<unknown>',
      };
      if (typeof f.in_app === 'boolean') frame.in_app = f.in_app;
      const pre = strings(f.pre_context);
      const post = strings(f.post_context);
      if (pre.length > 0) frame.pre_context = pre;
      if (str(f.context_line) !== undefined) frame.context_line = str(f.context_line)!;
      if (post.length > 0) frame.post_context = post;
      if (vars) frame.vars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, boundedVar(v)]));
      const cost = JSON.stringify(frame).length + 1;
      if (size + cost > SENTRY_LIMITS.maxFramesJsonChars) return out.length > 0 ? out : undefined;
      size += cost;
      out.push(frame);
    }
  }
  return out.length > 0 ? out : undefined;
}

/** A local variable as the SDK sent it (its repr, or a dict or list of reprs), or its JSON text cut when long. */
function boundedVar(v: unknown): AttrValue {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  if (text.length > SENTRY_LIMITS.maxVarChars) return `${text.slice(0, SENTRY_LIMITS.maxVarChars)}…`;
  return attr(v);
}

/** Tags, user, request, contexts, breadcrumbs, release facts and ids as the record's attributes. */
function addEventAttributes(attributes: Attributes, event: Json): void {
  const eventId = str(event.event_id);
  if (eventId !== undefined) attributes['sentry.event_id'] = eventId;
  for (const [k, v] of Object.entries(tagsOf(event))) attributes[`tags.${k}`] = v;
  const user = obj(event.user);
  if (user) {
    if (user.id !== undefined && user.id !== null) attributes['user.id'] = String(user.id as string | number);
    if (str(user.email) !== undefined) attributes['user.email'] = str(user.email)!;
    if (str(user.username) !== undefined) attributes['user.name'] = str(user.username)!;
    if (str(user.ip_address) !== undefined) attributes['client.address'] = str(user.ip_address)!;
  }
  const request = obj(event.request);
  if (request) {
    if (str(request.method) !== undefined) attributes['http.request.method'] = str(request.method)!;
    if (str(request.url) !== undefined) attributes['url.full'] = capString(str(request.url)!);
    if (str(request.query_string) !== undefined) attributes['url.query'] = capString(str(request.query_string)!);
    const headers = obj(request.headers);
    for (const [k, v] of Object.entries(headers ?? {}))
      if (typeof v === 'string') attributes[`http.request.header.${k.toLowerCase()}`] = capString(v);
  }
  const transaction = str(event.transaction);
  if (transaction !== undefined) attributes['sentry.transaction'] = transaction;
  for (const [name, context] of Object.entries(obj(event.contexts) ?? {})) {
    if (name !== 'trace' && obj(context)) attributes[`contexts.${name}`] = capped(context);
  }
  const extra = obj(event.extra);
  if (extra && Object.keys(extra).length > 0) attributes['sentry.extra'] = capped(extra);
  const crumbs = obj(event.breadcrumbs)?.values ?? event.breadcrumbs;
  if (Array.isArray(crumbs) && crumbs.length > 0) {
    const kept: AttrValue[] = [];
    let size = 2;
    // The newest breadcrumbs are the ones that led to the error: keep those when cutting.
    for (const crumb of crumbs.slice(-SENTRY_LIMITS.maxBreadcrumbs).reverse()) {
      const c = attr(crumb);
      const cost = JSON.stringify(c).length + 1;
      if (size + cost > SENTRY_LIMITS.maxBreadcrumbsJsonChars) break;
      size += cost;
      kept.push(c);
    }
    attributes.breadcrumbs = kept.reverse();
  }
}

function tagsOf(event: Json): Record<string, string> {
  const out: Record<string, string> = {};
  const tags = event.tags;
  // Tags come as an object, or as [key, value] pairs (the store API's older form).
  const entries = Array.isArray(tags)
    ? tags.filter((t): t is [unknown, unknown] => Array.isArray(t) && t.length === 2)
    : Object.entries(obj(tags) ?? {});
  for (const [k, v] of entries) if (typeof k === 'string' && v !== null && v !== undefined) out[k] = capString(String(v as string));
  return out;
}

/** A JSON value as an attribute, kept whole when small, else as its cut JSON text. */
function capped(value: unknown): AttrValue {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 4096 ? `${text.slice(0, 4096)}…` : attr(value);
}

function attr(v: unknown): AttrValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    return typeof v === 'string' ? capString(v) : v;
  if (Array.isArray(v)) return v.map(attr);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, attr(x)]));
  return String(v);
}

/** Sentry's times: seconds since the epoch (a number), or RFC 3339 text (the Python SDK's 1.x). */
export function timeUs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.round(v * 1e6);
  if (typeof v !== 'string') return undefined;
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/.exec(v.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (!Number.isFinite(ms)) return undefined;
  const fraction = Number(`0.${m[2] ?? '0'}`);
  return ms * 1000 + Math.round(fraction * 1e6);
}

function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}
