// One API, two carriers: every method of the handler table is reachable over REST and over the
// WebSocket protocol, and both give the same answer, byte for byte, for the same request on the
// same engine (REST inside the route's envelope), and the same error for a bad param.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import type { RestRoute } from '../../electron/engine/core/module.js';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import type { Method } from '../../shared/api.js';
import type { LogPage } from '../../shared/model.js';
import { waitFor } from '../support/serve-process.js';

const TOKEN = 'parity-token';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
let dir: string;
let engine: Engine;
let server: RunningServer;
let ws: WebSocket;
let nextId = 1;
const waiting = new Map<number, (text: string) => void>();

/** Params for each method, and a bad one where the method takes params: every method is listed (the type says so). */
type Params = Record<string, unknown>;
/** `timed`: the answer's fields that are a clock reading (when a check ran, how long it took), blanked before comparing. */
const CASES: Record<Method, { params: Params; bad?: Params; protocolParams?: Params; timed?: string[] }> = {
  'logs.search': { params: { q: 'level:error', limit: 3 }, bad: { limit: 'many' } },
  'logs.histogram': {
    params: { q: 'timeout', from: '2026-11-30T10:00:00Z', to: '2026-11-30T11:00:00Z', buckets: 6 },
    bad: { from: 'yesterday' },
  },
  'logs.facets': { params: { q: 'app' }, bad: { to: 'soon' } },
  'logs.context': { params: { before: 2, after: 1 }, bad: { before: 'two' } },
  'logs.get': { params: {}, bad: { id: 'seven' } },
  'sources.list': { params: {} },
  // HTTPHandler's fields; a dict that is not a LogRecord is refused on both.
  'pythonLogging.receive': {
    params: { record: { name: 'parity', msg: 'parity record', levelno: '20', levelname: 'INFO', created: '1764496800.5' } },
    bad: { record: { hello: 'world' } },
  },
  'sources.get': { params: { id: 2 }, bad: { id: 'two' } },
  'sources.add': { params: { path: '/nonexistent-parity/app.log' }, bad: { path: '/nonexistent-parity/b.log', followSymlinks: 'maybe' } },
  // Its format as it is (detect): a change would start a re-read, and the second answer would see it over.
  'sources.setFormat': { params: { id: 2, format: null }, bad: { id: 2, format: 7 } },
  // Removing twice is a 404: the protocol removes the source the add case made.
  'sources.remove': { params: { id: 2 }, protocolParams: { id: 3 }, bad: { id: 'two' } },
  'formats.list': { params: {} },
  // Shown, not added: a pasted dictConfig whose file is not there; a broken one says where.
  'sources.fromLoggingConfig': {
    params: {
      text: '{"version": 1, "formatters": {"f": {"format": "%(asctime)s %(levelname)s %(message)s"}}, "handlers": {"h": {"class": "logging.FileHandler", "filename": "/nonexistent-parity/app.log", "formatter": "f"}}}',
      add: false,
    },
    bad: { text: 'version: 1\nhandlers: [unclosed\n' },
  },
  'formats.fromFormatString': {
    params: { fmt: '%(asctime)s %(levelname)-8s %(name)s: %(message)s', sample: '2026-11-30 10:00:00,123 WARNING  app.db: slow' },
    bad: { fmt: '%(asctime)s %(request_id)s %(message)s' },
  },
  'engine.status': { params: {} },
  'engine.health': { params: {} },
  'traces.search': { params: { minDuration: '1ms', limit: 5 }, bad: { minDuration: 'long' } },
  'traces.get': { params: { traceId: TRACE_ID }, bad: { traceId: 'abc' } },
  'traces.compact': { params: { traceId: TRACE_ID }, bad: { traceId: 'abc' } },
  'traces.import': {
    params: { json: readFileSync(join(import.meta.dirname, '..', 'fixtures', 'otlp', 'trace.json'), 'utf8') },
    bad: { json: '[]' },
  },
  // Each carrier stores the event (the answer is its id either way).
  'sentry.envelope': {
    params: { project: '1', body: '{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n{"message":"parity"}\n' },
    bad: { project: '1', body: '{}\nnot json\n' },
  },
  'sentry.store': {
    params: { project: '1', body: '{"event_id":"fedcba9876543210fedcba9876543210","message":"parity"}' },
    bad: { project: '1', body: 'nope' },
  },
  'metrics.list': { params: {} },
  'metrics.query': { params: { query: 'vector(1) + 1', time: '1700000000' }, bad: { query: 'vector(1)', time: 'noon' } },
  'metrics.queryRange': {
    params: { query: 'time()', start: '1700000000', end: '1700000060', step: '15s' },
    bad: { query: 'time()', start: '1700000000', end: '1700000060', step: 'often' },
  },
  'metrics.queryExemplars': { params: { query: 'rate(x_bucket[5m])', start: '1700000000' }, bad: { query: 'rate(x[5m]', end: 'later' } },
  'metrics.series': { params: { 'match[]': ['{__name__=~".+"}', 'up'] }, bad: { 'match[]': ['sum(up)'] } },
  'metrics.labels': { params: { 'match[]': ['up'] }, bad: { start: 'then' } },
  'metrics.labelValues': { params: { name: '__name__' }, bad: { name: 'job', end: 'never' } },
  'metrics.metadata': { params: { limit: 5 }, bad: { limit: 'few' } },
  'services.list': { params: { since: '2020-01-01T00:00:00Z' }, bad: { since: 'then' } },
  'alerts.prometheusRules': { params: {}, bad: { type: 'often' } },
  'alerts.prometheusAlerts': { params: {} },
  'alerts.rules': { params: {} },
  // Saved twice (REST, then the protocol): the second save finds it and writes it in place. An hour's
  // interval: no evaluation between the two answers.
  'alerts.rules.save': {
    params: { group: 'parity', interval: '1h', rule: { alert: 'ParityHigh', expr: 'vector(1) > 5', for: '5m' } },
    bad: { group: 'parity', rule: 'vector(1) > 5' },
  },
  // Deleting what is gone already changes nothing: the protocol's second delete answers the same.
  'alerts.rules.delete': { params: { group: 'parity', name: 'ParityHigh' }, bad: { group: 'parity' } },
  'alerts.preview': {
    params: { expr: 'vector(1) > 0', for: '10m', hours: 1, end: '2026-01-01T00:00:00Z' },
    bad: { expr: 'vector(1) > 0', hours: 'many' },
  },
  'alerts.sent': { params: {} },
  'alerts.history': { params: { from: '2018-01-01T00:00:00Z', to: '2019-01-01T00:00:00Z' }, bad: { from: 'then' } },
  // A closed range in the past: rates over it do not move between the two requests.
  serviceMap: { params: { from: '2018-01-01T00:00:00Z', to: '2019-01-01T00:00:00Z' }, bad: { to: 'later' } },
  'silences.list': { params: {} },
  // Updates the silence made before (its id is set then): both carriers answer the same id.
  'silences.create': {
    params: { matchers: [{ name: 'alertname', value: 'Api5xx', isRegex: false }], endsAt: '2099-01-01T00:00:00Z', comment: 'parity' },
    bad: { matchers: 'alertname=Api5xx', endsAt: '2099-01-01T00:00:00Z' },
  },
  // Expiring an expired silence changes nothing: the protocol's second expiry answers as the first.
  'silences.expire': { params: {} },
  'alerts.acknowledge': { params: { fingerprints: ['not-firing'] }, bad: { fingerprints: 5 } },
  'alerts.unacknowledge': { params: { fingerprints: ['not-acked'] }, bad: { fingerprints: [5] } },
  'alerts.acknowledgements': { params: {} },
  'alerts.managed': { params: {} },
  'notifications.list': { params: { limit: 5 }, bad: { limit: 'many' } },
  'health.list': { params: {} },
  // Saving the same probe twice answers the same; its first run is an hour away, so nothing moves between the two.
  'health.save': {
    params: { probe: { name: 'parity-beat', initialDelaySeconds: 3600, file: { path: '/nonexistent-parity/beat', maxAgeSeconds: 60 } } },
    bad: { probe: { name: 'parity-bad', tcp: { host: 'h', port: 'eighty' } } },
  },
  // Deleting twice is a 404: the protocol deletes the second probe saved before.
  'health.delete': { params: { name: 'parity-gone-1' }, protocolParams: { name: 'parity-gone-2' }, bad: { name: 7 } },
  // A probe tried without saving: a file that is not there fails the same way, at once, on both.
  'health.testNow': {
    params: { name: 'parity-try', probe: { name: 'parity-try', file: { path: '/nonexistent-parity/try', maxAgeSeconds: 60 } } },
    bad: { name: 'parity-try', probe: { name: 'parity-try', file: { maxAgeSeconds: 60 } } },
    timed: ['at', 'durationMs'],
  },
  // Setting twice seals it again: only its time differs. Deleting: each carrier deletes its own.
  'secrets.set': { params: { name: 'parity-secret', value: 'not shown' }, bad: { name: 'a b', value: 'x' }, timed: ['updatedAt'] },
  'secrets.list': { params: {}, timed: ['updatedAt'] },
  'secrets.delete': { params: { name: 'parity-gone-1' }, protocolParams: { name: 'parity-gone-2' }, bad: { name: 7 } },
  'slos.list': { params: {}, timed: ['from', 'to'] },
  'slos.get': {
    params: { id: 'parity-slo', from: '2026-01-01T00:00:00Z', to: '2026-01-01T06:00:00Z' },
    bad: { id: 'parity-slo', to: 'later' },
  },
  // Saved twice: the second save writes it in place.
  'slos.save': {
    params: { slo: { name: 'slo', service: 'parity', objective: 99.5, window: '7d', sli: { availability: {} } } },
    bad: { slo: { name: 'slo', service: 'parity', objective: 101, sli: { availability: {} } } },
    timed: ['from', 'to'],
  },
  'slos.delete': { params: { id: 'parity-gone-1' }, protocolParams: { id: 'parity-gone-2' }, bad: { id: 7 } },
  'slos.import': {
    params: {
      text: 'apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: imported }\nspec:\n  service: parity\n  indicator:\n    spec:\n      ratioMetric:\n        good: { metricSource: { type: Prometheus, spec: { query: sum(ok_total) } } }\n        total: { metricSource: { type: Prometheus, spec: { query: sum(all_total) } } }\n  objectives: [{ target: 0.99 }]\n',
    },
    bad: { text: 'kind: SLO' },
  },
  'slos.export': { params: { id: 'parity-slo' } },
  'slos.evaluate': {
    params: { id: 'parity-slo', from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' },
    bad: { id: 'parity-slo', from: 'then', to: '2026-01-01T01:00:00Z' },
  },
  'slos.compare': {
    params: {
      id: 'parity-slo',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-01T01:00:00Z',
      againstFrom: '2025-12-31T00:00:00Z',
      againstTo: '2025-12-31T01:00:00Z',
    },
    bad: { id: 'parity-slo', from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z', againstFrom: 'before' },
  },
  // The groups of the two tracebacks in app.log (ids set below); resolving, ignoring and merging twice answer as once.
  'errors.list': { params: { from: '2026-11-30T10:00:00Z', to: '2026-11-30T11:00:00Z', buckets: 6 }, bad: { status: 'gone' } },
  'errors.get': { params: { from: '2026-11-30T10:00:00Z', to: '2026-11-30T11:00:00Z' }, bad: { id: 'first' } },
  'errors.resolve': { params: {}, bad: { id: 'first' } },
  'errors.ignore': { params: {}, bad: { id: 'first' } },
  'errors.merge': { params: {}, bad: { into: 1, from: 'second' } },
  // A closed range in the past: nothing moves between the two requests; an Apdex T per service in a repeated param.
  'performance.get': {
    params: { from: '2026-11-30T10:00:00Z', to: '2026-11-30T11:00:00Z', apdexT: ['0.3', 'shop=0.2'], nPlusOne: 4 },
    bad: { apdexT: ['shop=fast'] },
  },
  'changes.get': { params: { from: '2026-11-30T10:30:00Z', to: '2026-11-30T11:00:00Z' }, bad: { to: 'later' } },
  'patterns.list': {
    params: { q: 'request', from: '2026-11-30T10:20:00Z', to: '2026-11-30T10:40:00Z', since: '2026-11-30T10:30:00Z' },
    bad: { since: 'soon' },
  },
  'anomalies.list': { params: { from: '2026-11-30T10:00:00Z', to: '2026-11-30T11:00:00Z', service: 'shop' }, bad: { from: 'earlier' } },
};

/** The protocol's answer to one request, as the text it sent. */
function protocol(method: string, params: Record<string, unknown>): Promise<string> {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    ws.send(JSON.stringify({ kind: 'request', id, method, params }));
  });
}

/** The same request over REST, built from the route's declaration: path params in the address, query names in the query, the rest in the body. */
async function rest(route: RestRoute, params: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const rest = { ...params };
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = encodeURIComponent(String(rest[name]));
    delete rest[name];
    return v;
  });
  const url = new URL(path, server.url);
  // A form route takes its params in the body, as Grafana posts them.
  const form = new URLSearchParams();
  const into = route.body === 'form' ? form : url.searchParams;
  for (const name of route.query ?? []) {
    const v = rest[name];
    if (Array.isArray(v)) for (const item of v) into.append(name, String(item));
    else if (v !== undefined) into.set(name, String(v));
  }
  // A route that takes every field (HTTPHandler's) gets the object's fields as the query or the form.
  if (route.allFieldsAs !== undefined) for (const [k, v] of Object.entries(rest[route.allFieldsAs] as object)) into.set(k, String(v));
  const body =
    route.body === 'fields'
      ? JSON.stringify(rest)
      : route.body === 'form'
        ? form.toString()
        : typeof route.body === 'object' && 'bytes' in route.body
          ? String(rest[route.body.bytes])
          : route.body
            ? String(rest[route.body.text])
            : undefined;
  const contentType =
    route.body === 'form'
      ? 'application/x-www-form-urlencoded'
      : typeof route.body === 'object' && 'bytes' in route.body
        ? route.body.contentTypes[0]!
        : 'application/json';
  const res = await fetch(url, {
    method: route.method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-parity-'));
  let text = '';
  for (let i = 0; i < 40; i++) {
    const level = i % 10 === 0 ? 'ERROR' : 'INFO';
    text += `2026-11-30 10:${String(i).padStart(2, '0')}:00,000 ${level} app.db: request ${i}${i === 20 ? ' timeout' : ''}\n`;
  }
  // Two errors logged at info with their tracebacks (two error groups; level:error stays the three above).
  for (const [minute, type] of [
    [41, 'KeyError'],
    [42, 'ValueError'],
  ] as const) {
    text +=
      `2026-11-30 10:${minute}:00,000 INFO app.db: retried\nTraceback (most recent call last):\n` +
      `  File "/srv/app/db.py", line 7, in connect\n    open()\n${type}: 'x'\n`;
  }
  writeFileSync(join(dir, 'app.log'), text);
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [join(dir, 'app.log')], pollMs: 50, idleMs: 200, sentry: {} });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  const page = await waitFor(async () => {
    const p = await engine.api.table.request('logs.search', {});
    return p.records.length === 42 ? p : undefined;
  });
  // Record ids are the store's: the cases name two records it has.
  const [one, two] = [page.records[5]!.id, page.records[7]!.id];
  Object.assign(CASES['logs.context'].params, { id: one });
  Object.assign(CASES['logs.context'].bad!, { id: one });
  Object.assign(CASES['logs.get'].params, { id: two });
  const [first, second] = await waitFor(async () => {
    const g = await engine.api.table.request('errors.list', { from: '2026-11-30T10:00:00Z' });
    return g.length === 2 ? g.map((x) => x.id).sort((a, b) => a - b) : undefined;
  });
  Object.assign(CASES['errors.get'].params, { id: first });
  Object.assign(CASES['errors.resolve'].params, { id: first });
  Object.assign(CASES['errors.ignore'].params, { id: second });
  Object.assign(CASES['errors.merge'].params, { into: first, from: second });
  const silence = await engine.api.table.request('silences.create', CASES['silences.create'].params as never);
  Object.assign(CASES['silences.create'].params, { id: silence.silenceID });
  Object.assign(CASES['silences.expire'].params, { id: silence.silenceID });
  for (const name of ['slo', 'gone-1', 'gone-2']) {
    await engine.api.table.request('slos.save', {
      slo: { name, service: 'parity', objective: 99, window: '1d', sli: { availability: {} } } as never,
    });
  }
  for (const name of ['parity-gone-1', 'parity-gone-2']) await engine.api.table.request('secrets.set', { name, value: 'x' });
  for (const name of ['parity-gone-1', 'parity-gone-2']) {
    await engine.api.table.request('health.save', {
      probe: { name, initialDelaySeconds: 3600, file: { path: '/nonexistent-parity/x', maxAgeSeconds: 1 } },
    });
  }
  // A source's rate moves with the clock: the file's source goes (its records stay), the cases use sources without data.
  await engine.api.table.request('sources.remove', { id: 1 });
  await engine.api.table.request('traces.import', { json: CASES['traces.import'].params.json as string });
  ws = new WebSocket(new URL('/api/ws', server.url.replace('http', 'ws')), { headers: { Authorization: `Bearer ${TOKEN}` } });
  ws.on('message', (data) => {
    const text = String(data);
    const id = (JSON.parse(text) as { id: number }).id;
    waiting.get(id)?.(text);
    waiting.delete(id);
  });
  await new Promise((resolve) => ws.once('open', resolve));
});

afterAll(async () => {
  ws?.close();
  await server?.close();
  await engine?.close();
});

describe('the handler table over REST and the protocol', () => {
  it('has a REST route for every method and a method for every route', () => {
    const routed = new Set(engine.api.routes.map((r) => r.handler));
    expect(engine.api.table.methods().filter((m) => !routed.has(m))).toEqual([]);
    expect(engine.api.table.methods().sort()).toEqual(Object.keys(CASES).sort());
  });

  it('answers every route byte for byte as the protocol does, and fails a bad param with the same error', async () => {
    // Sources 2 is the one the cases change and remove: it is added first, over the table.
    await engine.api.table.request('sources.add', { path: join(dir, 'other.log') });
    for (const route of engine.api.routes) {
      const { params, bad, protocolParams, timed = [] } = CASES[route.handler];
      const viaRest = await rest(route, params);
      const viaProtocol = await protocol(route.handler, protocolParams ?? params);
      const prefix = `{"kind":"response","id":${nextId - 1},"result":`;
      expect(viaProtocol.startsWith(prefix), `${route.method} ${route.path}: ${viaProtocol}`).toBe(true);
      const result = viaProtocol.slice(prefix.length, -1);
      if (route.status === 204) {
        expect([viaRest.status, viaRest.text, result], route.path).toEqual([204, '', 'null']);
        continue;
      }
      expect(viaRest.status, `${route.method} ${route.path}: ${viaRest.text}`).toBe(route.status ?? 200);
      const wrapped =
        route.shape === 'prometheus'
          ? `{"status":"success","data":${result}}`
          : route.envelope
            ? `{"${route.envelope}":${result}}`
            : result;
      const untimed = (text: string): string =>
        timed.reduce((t, field) => t.replace(new RegExp(`"${field}":("[^"]*"|[\\d.]+)`, 'g'), `"${field}":_`), text);
      expect(untimed(viaRest.text), `${route.method} ${route.path}`).toBe(untimed(wrapped));
      if (bad) {
        const restError = await rest(route, bad);
        const protocolError = await protocol(route.handler, bad);
        expect(restError.status, `${route.method} ${route.path} with ${JSON.stringify(bad)}`).toBe(400);
        if (route.shape === 'prometheus') {
          // Prometheus's error shape, with the protocol's message.
          const error = (JSON.parse(protocolError) as { error: { code: string; message: string } }).error;
          expect(error.code).toBe('bad_request');
          expect(JSON.parse(restError.text)).toEqual({ status: 'error', errorType: 'bad_data', error: error.message });
          continue;
        }
        expect(protocolError).toBe(
          `{"kind":"error","id":${nextId - 1},"error":${JSON.stringify((JSON.parse(restError.text) as { error: unknown }).error)}}`,
        );
        expect(JSON.parse(restError.text)).toMatchObject({ error: { code: 'bad_request', message: expect.any(String) as string } });
      }
    }
  });

  it('reads what it was asked on both: the cases above really found records, a trace and sources', async () => {
    const page = JSON.parse(
      (
        await rest(
          engine.api.routes.find((r) => r.handler === 'logs.search')!,
          CASES['logs.search'].params,
        )
      ).text,
    ) as LogPage;
    expect(page.records.map((r) => r.message)).toEqual(['request 30', 'request 20 timeout', 'request 10']);
    const trace = await rest(
      engine.api.routes.find((r) => r.handler === 'traces.get')!,
      { traceId: TRACE_ID },
    );
    expect(trace.status).toBe(200);
  });
});
