// Reading span attributes the way OpenTelemetry's semantic conventions name them, old and new:
// SDKs and instrumentations in the wild send both (http.method before 1.23, http.request.method
// after; db.statement before, db.query.text after), so every reader tries the new name first.
import type { SpanView } from '../../../../shared/model.js';

export interface Fact {
  label: string;
  value: string;
  /** The attribute key it was read from (shown as a hint). */
  key: string;
}

export type Attributes = Record<string, unknown>;

/** The first of `keys` the attributes have, with the key it came from. */
export function pick(attrs: Attributes, keys: readonly string[]): { key: string; value: unknown } | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (value !== undefined && value !== null && value !== '') return { key, value };
  }
  return undefined;
}

export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Conventions: a label, then the attribute names that carry it, newest convention first. */
const CONVENTIONS: { group: string; facts: [label: string, keys: string[]][] }[] = [
  {
    group: 'HTTP',
    facts: [
      ['Method', ['http.request.method', 'http.method']],
      ['Route', ['http.route']],
      ['Status', ['http.response.status_code', 'http.status_code']],
      ['URL', ['url.full', 'http.url']],
      ['Target', ['url.path', 'http.target']],
      ['Server', ['server.address', 'net.host.name', 'net.peer.name', 'http.host']],
      ['Client', ['client.address', 'http.client_ip', 'net.sock.peer.addr']],
      ['User agent', ['user_agent.original', 'http.user_agent']],
    ],
  },
  {
    group: 'Database',
    facts: [
      ['System', ['db.system.name', 'db.system']],
      ['Database', ['db.namespace', 'db.name']],
      ['Operation', ['db.operation.name', 'db.operation']],
      ['Collection', ['db.collection.name', 'db.sql.table', 'db.mongodb.collection']],
      ['Query', ['db.query.text', 'db.statement']],
    ],
  },
  {
    group: 'Messaging',
    facts: [
      ['System', ['messaging.system']],
      ['Destination', ['messaging.destination.name', 'messaging.destination']],
      ['Operation', ['messaging.operation.type', 'messaging.operation']],
      ['Message id', ['messaging.message.id', 'messaging.message_id']],
      ['Consumer group', ['messaging.consumer.group.name', 'messaging.kafka.consumer.group']],
    ],
  },
  {
    group: 'RPC',
    facts: [
      ['System', ['rpc.system']],
      ['Service', ['rpc.service']],
      ['Method', ['rpc.method']],
      ['gRPC status', ['rpc.grpc.status_code']],
    ],
  },
];

export interface ConventionGroup {
  group: string;
  facts: Fact[];
}

/** The conventions a span's attributes follow, read into labelled facts (only groups with facts). */
export function readConventions(attrs: Attributes): ConventionGroup[] {
  const out: ConventionGroup[] = [];
  for (const c of CONVENTIONS) {
    const facts: Fact[] = [];
    for (const [label, keys] of c.facts) {
      const hit = pick(attrs, keys);
      if (hit) facts.push({ label, value: valueText(hit.value), key: hit.key });
    }
    if (facts.length) out.push({ group: c.group, facts });
  }
  return out;
}

export function httpMethod(attrs: Attributes): string | undefined {
  const v = pick(attrs, ['http.request.method', 'http.method'])?.value;
  return v === undefined ? undefined : valueText(v);
}

export function httpStatus(attrs: Attributes): number | undefined {
  const v = pick(attrs, ['http.response.status_code', 'http.status_code'])?.value;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function dbStatement(attrs: Attributes): string | undefined {
  const v = pick(attrs, ['db.query.text', 'db.statement'])?.value;
  return v === undefined ? undefined : valueText(v);
}

/** A short text for the span's row: `GET /users/{id} 500`, `postgresql SELECT users`, … */
export function spanHint(span: Pick<SpanView, 'attributes'>): string {
  const a = span.attributes;
  const method = httpMethod(a);
  if (method) {
    const where = pick(a, ['http.route', 'url.path', 'http.target'])?.value;
    const status = httpStatus(a);
    return [method, where === undefined ? '' : valueText(where), status ?? ''].filter((x) => x !== '').join(' ');
  }
  const db = pick(a, ['db.system.name', 'db.system'])?.value;
  if (db !== undefined) {
    const stmt = dbStatement(a);
    return `${valueText(db)}${stmt ? ` ${stmt.replace(/\s+/g, ' ').slice(0, 80)}` : ''}`;
  }
  const msg = pick(a, ['messaging.system'])?.value;
  if (msg !== undefined) {
    const dest = pick(a, ['messaging.destination.name', 'messaging.destination'])?.value;
    return `${valueText(msg)}${dest === undefined ? '' : ` ${valueText(dest)}`}`;
  }
  const rpc = pick(a, ['rpc.system'])?.value;
  if (rpc !== undefined) {
    const m = [pick(a, ['rpc.service'])?.value, pick(a, ['rpc.method'])?.value].filter((x) => x !== undefined).map(valueText);
    return `${valueText(rpc)} ${m.join('/')}`.trim();
  }
  return '';
}

const NAMESPACE_LABELS: Record<string, string> = {
  http: 'HTTP',
  url: 'URL',
  server: 'Server',
  client: 'Client',
  network: 'Network',
  net: 'Network',
  user_agent: 'User agent',
  db: 'Database',
  messaging: 'Messaging',
  rpc: 'RPC',
  code: 'Code',
  exception: 'Exception',
  thread: 'Thread',
  service: 'Service',
  telemetry: 'Telemetry SDK',
  host: 'Host',
  process: 'Process',
  os: 'OS',
  container: 'Container',
  k8s: 'Kubernetes',
  cloud: 'Cloud',
  deployment: 'Deployment',
};

export interface AttributeGroup {
  name: string;
  entries: [key: string, value: string][];
}

/** All attributes grouped by their namespace (`http.*`, `db.*`, …), known namespaces first, keys sorted. */
export function groupAttributes(attrs: Attributes): AttributeGroup[] {
  const groups = new Map<string, [string, string][]>();
  for (const key of Object.keys(attrs).sort()) {
    const ns = key.includes('.') ? key.slice(0, key.indexOf('.')) : '';
    const name = NAMESPACE_LABELS[ns] ?? 'Other';
    let list = groups.get(name);
    if (!list) groups.set(name, (list = []));
    list.push([key, valueText(attrs[key])]);
  }
  const order = [...new Set(Object.values(NAMESPACE_LABELS)), 'Other'];
  return [...groups.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([name, entries]) => ({ name, entries }));
}

export interface ExceptionView {
  type: string;
  message: string;
  stacktrace: string;
  escaped: boolean;
}

/** An `exception` span event, read with its conventional attributes. */
export function readException(event: { name: string; attributes?: Attributes }): ExceptionView | undefined {
  if (event.name !== 'exception') return undefined;
  const a = event.attributes ?? {};
  const type = a['exception.type'];
  const message = a['exception.message'];
  const stack = a['exception.stacktrace'];
  return {
    type: type === undefined ? '' : valueText(type),
    message: message === undefined ? '' : valueText(message),
    stacktrace: stack === undefined ? '' : valueText(stack),
    escaped: a['exception.escaped'] === true || a['exception.escaped'] === 'true',
  };
}
